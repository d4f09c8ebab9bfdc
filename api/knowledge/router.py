"""Knowledge endpoints: the menu, matching, reading entries; the admin API to teach the bot."""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError

from api.core.text import text_length_errors
from api.deps import CurrentAdmin, SessionDep, SettingsDep
from api.knowledge import service
from api.knowledge.schemas import (
    DomainRead,
    EntryCreate,
    EntryRead,
    EntryWrite,
    MatchRequest,
    MatchResponse,
    ReformulationCreate,
)
from knowledge_base.taxonomy import Domain

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge"])
admin_router = APIRouter(prefix="/api/v1/admin/kb", tags=["knowledge administration"])

NOT_FOUND: dict[int | str, dict[str, str]] = {404: {"description": "No such entry (or retired)."}}
ADMIN_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Missing, invalid or expired bearer token."},
    403: {"description": "The token's user is not an admin."},
    404: {"description": "No such entry."},
    409: {"description": "The id or text already exists."},
    422: {"description": "Invalid content (field, unknown domain, button to a missing entry)."},
}


def _domains(request: Request) -> Sequence[Domain]:
    domains: Sequence[Domain] = request.app.state.domains
    return domains


def _index(request: Request) -> service.MatcherIndex:
    index: service.MatcherIndex = request.app.state.matcher_index
    return index


DomainsDep = Annotated[Sequence[Domain], Depends(_domains)]
IndexDep = Annotated[service.MatcherIndex, Depends(_index)]


@router.get("/domains", response_model=list[DomainRead])
async def list_domains(domains: DomainsDep) -> list[DomainRead]:
    """Return the domains of the menu, in menu order."""
    return [DomainRead.model_validate(d) for d in domains]


@router.get(
    "/domains/{domain_id}",
    response_model=DomainRead,
    responses={404: {"description": "No such domain."}},
)
async def get_domain(domain_id: str, domains: DomainsDep) -> DomainRead:
    """Return one domain of the menu."""
    return DomainRead.model_validate(
        service.get_domain_or_raise(domains=domains, domain_id=domain_id)
    )


@router.post(
    "/match",
    response_model=MatchResponse,
    responses={422: {"description": "Empty, binary or too long text."}},
)
async def match(
    body: MatchRequest, db_session: SessionDep, index: IndexDep, settings: SettingsDep
) -> MatchResponse:
    """Match a pasted error message: `match` when the bot would answer without asking."""
    errors = text_length_errors(body.text, settings.max_text_length)
    if errors:
        raise RequestValidationError(errors)
    return await service.match(db_session=db_session, index=index, text=body.text)


@router.get("/entries", response_model=list[EntryRead])
async def list_entries(
    db_session: SessionDep,
    domain: Annotated[str | None, Query(max_length=50)] = None,
    kind: Annotated[str | None, Query(pattern="^(knowledge|major_incident)$")] = None,
) -> list[EntryRead]:
    """Return the active entries of a domain or of a kind (e.g. the major incidents)."""
    rows = await service.list_entries(db_session=db_session, domain=domain, kind=kind)
    return [service.to_read(r) for r in rows]


@router.get("/entries/{entry_id}", response_model=EntryRead, responses=NOT_FOUND)
async def get_entry(entry_id: str, db_session: SessionDep) -> EntryRead:
    """Return an active entry with its answer."""
    return service.to_read(
        await service.get_entry_or_raise(db_session=db_session, entry_id=entry_id)
    )


@admin_router.get("/entries", response_model=list[EntryRead], responses=ADMIN_ERRORS)
async def admin_list_entries(
    db_session: SessionDep,
    _admin: CurrentAdmin,
    domain: Annotated[str | None, Query(max_length=50)] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="text searched in titles, answers and texts")
    ] = None,
    include_retired: bool = False,
) -> list[EntryRead]:
    """List or search entries, retired ones included on request."""
    rows = await service.list_entries(
        db_session=db_session, domain=domain, query=q, include_retired=include_retired
    )
    return [service.to_read(r) for r in rows]


@admin_router.post("/entries", response_model=EntryRead, status_code=201, responses=ADMIN_ERRORS)
async def admin_create_entry(
    body: EntryCreate, db_session: SessionDep, domains: DomainsDep, _admin: CurrentAdmin
) -> EntryRead:
    """Create an entry; it matches from the next request on."""
    row = await service.create_entry(db_session=db_session, data=body, domains=domains)
    return service.to_read(row)


@admin_router.put("/entries/{entry_id}", response_model=EntryRead, responses=ADMIN_ERRORS)
async def admin_update_entry(
    entry_id: str,
    body: EntryWrite,
    db_session: SessionDep,
    domains: DomainsDep,
    _admin: CurrentAdmin,
) -> EntryRead:
    """Replace an entry's content (its version goes up)."""
    row = await service.update_entry(
        db_session=db_session, entry_id=entry_id, data=body, domains=domains
    )
    return service.to_read(row)


@admin_router.delete("/entries/{entry_id}", response_model=EntryRead, responses=ADMIN_ERRORS)
async def admin_retire_entry(
    entry_id: str, db_session: SessionDep, _admin: CurrentAdmin
) -> EntryRead:
    """Retire an entry: it no longer matches nor answers."""
    return service.to_read(await service.retire_entry(db_session=db_session, entry_id=entry_id))


@admin_router.post(
    "/entries/{entry_id}/reformulations",
    response_model=EntryRead,
    status_code=201,
    responses=ADMIN_ERRORS,
)
async def admin_add_reformulation(
    entry_id: str, body: ReformulationCreate, db_session: SessionDep, _admin: CurrentAdmin
) -> EntryRead:
    """Add another way users write this entry's question or error message."""
    row = await service.add_reformulation(
        db_session=db_session,
        entry_id=entry_id,
        text=body.text,
        is_error_message=body.is_error_message,
    )
    return service.to_read(row)
