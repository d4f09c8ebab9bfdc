"""Error bodies: a precise `detail` for programs and a French `message` for end users."""

import logging
from typing import Any

from asyncpg import exceptions as asyncpg_errors  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("api.errors")

GENERIC_INVALID = "Votre demande n'a pas pu être traitée : elle est incomplète ou mal formée."

# French wording for the validation error types end users can cause.
FRENCH_REASONS: dict[str, str] = {
    "text_too_long": "Votre message est trop long ({max_length} caractères au maximum).",
    "text_empty": "Votre message est vide.",
    "text_binary": "Votre message contient des caractères non imprimables.",
    "text_or_payload": "Envoyez soit un texte, soit le choix d'un bouton.",
    "payload_invalid": "Le choix envoyé n'est pas valide.",
    "metadata_too_large": "Les informations de profil envoyées sont trop volumineuses.",
    "metadata_too_deep": "Les informations de profil envoyées sont trop imbriquées.",
    "metadata_invalid": "Les informations de profil envoyées ne sont pas valides.",
    "client_message_id_invalid": "L'identifiant du message n'est pas valide.",
    "string_pattern_mismatch": "L'identifiant de conversation n'est pas valide.",
    "string_too_short": "Une valeur est trop courte.",
    "string_too_long": "Une valeur est trop longue.",
    "missing": "Une information obligatoire est manquante.",
    "json_invalid": "La requête n'est pas un JSON valide.",
    "model_attributes_type": "La requête doit être un objet JSON.",
    "dict_type": "La requête doit être un objet JSON.",
    "string_type": "Un texte était attendu.",
    "extra_forbidden": "La requête contient un champ inconnu.",
    "int_type": "Un nombre entier était attendu.",
    "int_parsing": "Un nombre entier était attendu.",
    "greater_than_equal": "La valeur doit être au moins {ge}.",
    "less_than_equal": "La valeur doit être au plus {le}.",
    "literal_error": "La valeur doit être l'une des suivantes : {expected}.",
    "comment_too_long": "Votre commentaire est trop long ({max_length} caractères au maximum).",
    "ministry_code_invalid": "Le code ministère doit ressembler à MIN06 (lettres puis chiffres).",
    "not_rateable": "Ce message ne peut pas être évalué.",
    "email_invalid": "L'adresse électronique n'est pas valide.",
    "object_number_required": (
        "Pour une sous-catégorie commençant par « M », indiquez le numéro de l'objet "
        "(facture, mémoire)."
    ),
    "enum": "La valeur doit être l'une des suivantes : {expected}.",
}

STATUS_MESSAGES: dict[int, str] = {
    400: "Votre demande n'a pas pu être traitée.",
    401: "Vous devez vous identifier.",
    403: "Vous n'avez pas les droits nécessaires.",
    404: "La ressource demandée n'existe pas.",
    405: "Cette opération n'est pas permise ici.",
    409: "Cette opération n'est pas possible dans l'état actuel.",
    413: "La requête est trop volumineuse.",
    415: "Le format de la requête n'est pas pris en charge.",
    429: "Trop de demandes : merci de patienter quelques instants.",
    503: "Le service est momentanément indisponible. Merci de réessayer dans quelques instants.",
}


class AppError(Exception):
    """An error the API reports with a status code, a precise detail and a French message."""

    status_code = 400

    def __init__(self, detail: str, message: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.message = message or STATUS_MESSAGES.get(self.status_code, GENERIC_INVALID)
        self.extra = extra


class NotFoundError(AppError):
    """The resource does not exist."""

    status_code = 404


class ConflictError(AppError):
    """The resource is in a state that forbids the operation."""

    status_code = 409


class TooManyRequestsError(AppError):
    """Too many attempts: the client may retry after `retry_after` seconds."""

    status_code = 429

    def __init__(self, detail: str, message: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail, message)
        self.retry_after = max(1, retry_after)


class UpstreamUnavailableError(AppError):
    """A process the API depends on (Rasa, the action server) did not answer."""

    status_code = 503


def french_reason(errors: list[dict[str, Any]]) -> str:
    """Return a French sentence for the first validation error."""
    for error in errors:
        template = FRENCH_REASONS.get(str(error.get("type")))
        if template:
            return template.format(**(error.get("ctx") or {}))
    return GENERIC_INVALID


async def _validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{k: v for k, v in e.items() if k != "input"} for e in exc.errors()]
    body = {"detail": jsonable_encoder(errors), "message": french_reason(errors)}
    return JSONResponse(status_code=422, content=body)


async def _app_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    body = {"detail": exc.detail, "message": exc.message, **jsonable_encoder(exc.extra)}
    headers = (
        {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequestsError) else None
    )
    return JSONResponse(status_code=exc.status_code, content=body, headers=headers)


async def _http_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = STATUS_MESSAGES.get(exc.status_code, GENERIC_INVALID)
    return JSONResponse(
        status_code=exc.status_code,
        content={"detail": exc.detail, "message": message},
        headers=getattr(exc, "headers", None),
    )


async def _database_down_handler(_request: Request, exc: Exception) -> JSONResponse:
    """The database did not answer (restarted, unreachable): a clean 503, retried by the client;
    the pool's pre-ping replaces the broken connections once it is back."""
    logger.warning("database unavailable: %s: %s", type(exc).__name__, exc)
    return JSONResponse(
        status_code=503,
        content={
            "detail": f"database unavailable: {type(exc).__name__}",
            "message": STATUS_MESSAGES[503],
        },
        headers={"Retry-After": "2"},
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the same body shape."""
    # asyncpg raises its own errors while PostgreSQL shuts down or starts (CannotConnectNow,
    # AdminShutdown) and when a connection breaks, before SQLAlchemy can wrap them.
    for unavailable in (
        OperationalError,
        InterfaceError,
        ConnectionError,
        asyncpg_errors.OperatorInterventionError,
        asyncpg_errors.PostgresConnectionError,
        asyncpg_errors.ConnectionDoesNotExistError,
    ):
        app.add_exception_handler(unavailable, _database_down_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
