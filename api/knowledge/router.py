"""Knowledge endpoints: the menu, matching, reading entries; the admin API to teach the bot."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError

from api.auth.deps import CurrentAdmin
from api.core.deps import IdPath, SessionDep, SettingsDep
from api.core.text import text_length_errors
from api.knowledge import service
from api.knowledge.deps import DomainsDep, IndexDep
from api.knowledge.schemas import (
    DomainRead,
    EntryCreate,
    EntryRead,
    EntryVersionRead,
    EntryWrite,
    MatchRequest,
    MatchResponse,
    ReformulationCreate,
    SearchRequest,
    SearchResponse,
)

router = APIRouter(prefix="/kb", tags=["knowledge"])
admin_router = APIRouter(prefix="/admin/kb", tags=["knowledge administration"])

NOT_FOUND: dict[int | str, dict[str, str]] = {404: {"description": "No such entry (or retired)."}}
ADMIN_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Missing, invalid or expired bearer token."},
    403: {"description": "The token's user is not an admin."},
    404: {"description": "No such entry."},
    409: {"description": "The id or text already exists."},
    422: {"description": "Invalid content (field, unknown domain, button to a missing entry)."},
}


async def _read(
    db_session: SessionDep, entry_id: str, *, include_retired: bool = False
) -> EntryRead:
    """The entry as stored (read again after the commit, with its texts and timestamps)."""
    row = await service.get_entry_or_raise(
        db_session=db_session, entry_id=entry_id, include_retired=include_retired
    )
    return service.to_read(row)


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


@router.post(
    "/search",
    response_model=SearchResponse,
    responses={422: {"description": "Empty, binary or too long text, or a malformed domain."}},
)
async def search(
    body: SearchRequest,
    db_session: SessionDep,
    index: IndexDep,
    domains: DomainsDep,
    settings: SettingsDep,
) -> SearchResponse:
    """Find the entry that answers a typed question: `answer` when confident, else up to three
    `suggestions`; `domain` (the NLU's guess) favours that domain's entries, and the NLU's
    `intent` and `intent_confidence` count as evidence."""
    errors = text_length_errors(body.text, settings.max_text_length)
    if errors:
        raise RequestValidationError(errors)
    nlu = service.nlu_evidence(
        intent=body.intent, confidence=body.intent_confidence, domains=domains
    )
    return await service.search(
        db_session=db_session, index=index, text=body.text, domain=body.domain, nlu=nlu
    )


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
    kind: Annotated[str | None, Query(pattern="^(knowledge|major_incident)$")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="text searched in titles, answers and texts")
    ] = None,
    include_retired: bool = False,
) -> list[EntryRead]:
    """List or search entries, retired ones included on request."""
    rows = await service.list_entries(
        db_session=db_session, domain=domain, kind=kind, query=q, include_retired=include_retired
    )
    return [service.to_read(r) for r in rows]


@admin_router.get("/entries/{entry_id}", response_model=EntryRead, responses=ADMIN_ERRORS)
async def admin_get_entry(entry_id: str, db_session: SessionDep, _admin: CurrentAdmin) -> EntryRead:
    """Return an entry, retired or not."""
    return await _read(db_session, entry_id, include_retired=True)


@admin_router.post("/entries", response_model=EntryRead, status_code=201, responses=ADMIN_ERRORS)
async def admin_create_entry(
    body: EntryCreate, db_session: SessionDep, domains: DomainsDep, admin: CurrentAdmin
) -> EntryRead:
    """Create an entry; it matches from the next request on."""
    await service.create_entry(
        db_session=db_session, data=body, domains=domains, actor=admin.username
    )
    await db_session.commit()
    return await _read(db_session, body.id)


@admin_router.put("/entries/{entry_id}", response_model=EntryRead, responses=ADMIN_ERRORS)
async def admin_update_entry(
    entry_id: str,
    body: EntryWrite,
    db_session: SessionDep,
    domains: DomainsDep,
    admin: CurrentAdmin,
) -> EntryRead:
    """Replace an entry's content (its version goes up)."""
    await service.update_entry(
        db_session=db_session, entry_id=entry_id, data=body, domains=domains, actor=admin.username
    )
    await db_session.commit()
    return await _read(db_session, entry_id)


@admin_router.delete("/entries/{entry_id}", response_model=EntryRead, responses=ADMIN_ERRORS)
async def admin_retire_entry(
    entry_id: str, db_session: SessionDep, admin: CurrentAdmin
) -> EntryRead:
    """Retire an entry: it no longer matches nor answers."""
    await service.retire_entry(db_session=db_session, entry_id=entry_id, actor=admin.username)
    await db_session.commit()
    return await _read(db_session, entry_id, include_retired=True)


@admin_router.post(
    "/entries/{entry_id}/reformulations",
    response_model=EntryRead,
    status_code=201,
    responses=ADMIN_ERRORS,
)
async def admin_add_reformulation(
    entry_id: str, body: ReformulationCreate, db_session: SessionDep, admin: CurrentAdmin
) -> EntryRead:
    """Add another way users write this entry's question or error message."""
    await service.add_reformulation(
        db_session=db_session,
        entry_id=entry_id,
        text=body.text,
        is_error_message=body.is_error_message,
        actor=admin.username,
    )
    await db_session.commit()
    return await _read(db_session, entry_id)


@admin_router.post(
    "/entries/{entry_id}/reactivate", response_model=EntryRead, responses=ADMIN_ERRORS
)
async def admin_reactivate_entry(
    entry_id: str, db_session: SessionDep, admin: CurrentAdmin
) -> EntryRead:
    """Put a retired entry back: it matches and answers again (409 if it is active)."""
    await service.reactivate_entry(db_session=db_session, entry_id=entry_id, actor=admin.username)
    await db_session.commit()
    return await _read(db_session, entry_id)


@admin_router.get(
    "/entries/{entry_id}/history", response_model=list[EntryVersionRead], responses=ADMIN_ERRORS
)
async def admin_entry_history(
    entry_id: str, db_session: SessionDep, _admin: CurrentAdmin
) -> list[EntryVersionRead]:
    """The entry's versions, newest first, each with what changed from the one before."""
    versions = await service.history(db_session=db_session, entry_id=entry_id)
    return service.with_changes(versions)


@admin_router.post(
    "/entries/{entry_id}/versions/{version_id}/restore",
    response_model=EntryRead,
    responses=ADMIN_ERRORS,
)
async def admin_restore_version(
    entry_id: str,
    version_id: IdPath,
    db_session: SessionDep,
    domains: DomainsDep,
    admin: CurrentAdmin,
) -> EntryRead:
    """Make an older version's content current again (a new version)."""
    await service.restore_version(
        db_session=db_session,
        entry_id=entry_id,
        version_id=version_id,
        domains=domains,
        actor=admin.username,
    )
    await db_session.commit()
    return await _read(db_session, entry_id)
