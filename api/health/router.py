"""Health of the API and of the processes it depends on."""

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from api.core.deps import SessionDep, SettingsDep
from api.core.rasa import probe

router = APIRouter(tags=["health"])


class HealthRead(BaseModel):
    """Each part's state: "ok" or what failed."""

    status: str
    checks: dict[str, str]


async def _check_database(db_session: SessionDep) -> str | None:
    try:
        await db_session.execute(text("SELECT 1"))
        await db_session.rollback()  # give the connection back before the other checks end
    except Exception as exc:  # any driver error means the database is not usable
        return f"{type(exc).__name__}: {exc}"
    return None


async def _check_rasa(shards: list[str], timeout: float) -> str | None:
    """None when every Rasa shard answers, else which ones do not and why."""
    failures = await asyncio.gather(*(probe(f"{url}/", timeout_seconds=timeout) for url in shards))
    if len(shards) == 1:
        return failures[0]
    down = [f"{url}: {failure}" for url, failure in zip(shards, failures, strict=True) if failure]
    return "; ".join(down) or None


@router.get(
    "/health",
    response_model=HealthRead,
    responses={503: {"model": HealthRead, "description": "A part does not answer."}},
)
async def health(db_session: SessionDep, settings: SettingsDep) -> HealthRead | JSONResponse:
    """Return 200 when the database, Rasa and the action server all answer, else 503."""
    timeout = settings.health_timeout_seconds
    database, rasa, actions = await asyncio.gather(
        _check_database(db_session),
        _check_rasa(settings.rasa_shards(), timeout),
        probe(f"{settings.action_server_url}/health", timeout_seconds=timeout),
    )
    failures = {"database": database, "rasa": rasa, "action_server": actions}
    checks = {name: failure or "ok" for name, failure in failures.items()}
    body = HealthRead(status="ok" if not any(failures.values()) else "unavailable", checks=checks)
    if body.status == "ok":
        return body
    failing = ", ".join(name for name, failure in failures.items() if failure)
    content = body.model_dump() | {
        "detail": f"not answering: {failing}",
        "message": "Le service est momentanément indisponible.",
    }
    return JSONResponse(status_code=503, content=content)
