"""NLU endpoint: the public contract's POST /api/v1/nlu/parse."""

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError

from api.core.deps import RasaDep, SessionDep, SettingsDep
from api.core.text import text_length_errors
from api.knowledge.deps import DomainsDep, IndexDep
from api.nlu import service
from api.nlu.schemas import ParseRead, ParseRequest

router = APIRouter(prefix="/nlu", tags=["nlu"])


@router.post(
    "/parse",
    response_model=ParseRead,
    responses={
        422: {"description": "Empty, binary or too long text."},
        503: {"description": "Rasa did not answer."},
    },
)
async def parse(
    body: ParseRequest,
    rasa: RasaDep,
    db_session: SessionDep,
    index: IndexDep,
    domains: DomainsDep,
    settings: SettingsDep,
) -> ParseRead:
    """Interpret a text: intent, domain id (null when not about a domain) and confidence."""
    errors = text_length_errors(body.text, settings.max_text_length)
    if errors:
        raise RequestValidationError(errors)
    return await service.parse(
        rasa=rasa,
        db_session=db_session,
        index=index,
        domain_ids={d.id for d in domains},
        text=body.text,
    )
