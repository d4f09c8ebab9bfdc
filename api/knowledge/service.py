"""Knowledge entries in the database: YAML sync, admin changes, export, and the index that
matches pasted errors and retrieves the entries answering questions."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from api.audit import service as audit
from api.core.errors import AppError, ConflictError, NotFoundError
from api.knowledge.models import (
    KnowledgeEntry,
    KnowledgeEntryVersion,
    KnowledgeRevision,
    KnowledgeText,
)
from api.knowledge.schemas import (
    EntryCreate,
    EntryRead,
    EntryVersionRead,
    EntryWrite,
    FieldChange,
    MatchRead,
    MatchResponse,
    SearchHit,
    SearchResponse,
)
from knowledge_base.matcher import Document, Matcher, Scored
from knowledge_base.retrieval import Document as RetrievalDocument
from knowledge_base.retrieval import Hit, Nlu, Retriever
from knowledge_base.schema import Entry
from knowledge_base.taxonomy import Domain
from knowledge_base.vocabulary import INTENT_DOMAINS


class InvalidEntryError(AppError):
    """An entry refers to something that does not exist."""

    status_code = 422


def get_domain_or_raise(*, domains: Sequence[Domain], domain_id: str) -> Domain:
    """Return the domain with this id, or raise NotFoundError."""
    for domain in domains:
        if domain.id == domain_id:
            return domain
    raise NotFoundError(f"domain {domain_id!r} does not exist", "Ce domaine n'existe pas.")


async def current_revision(*, db_session: AsyncSession) -> int:
    """Return the knowledge base's change counter."""
    revision = await db_session.scalar(
        select(KnowledgeRevision.revision).where(KnowledgeRevision.id == 1)
    )
    return revision or 0


async def bump_revision(*, db_session: AsyncSession) -> None:
    """Count one change of the knowledge base (in the caller's transaction)."""
    row = await db_session.get(KnowledgeRevision, 1)
    if row is None:
        db_session.add(KnowledgeRevision(id=1, revision=1))
    else:
        row.revision += 1


def _fields(entry: Entry | EntryWrite) -> dict[str, Any]:
    return {
        "application": str(entry.application),
        "domain": entry.domain,
        "title": entry.title,
        "keywords": list(entry.keywords),
        "answer": entry.answer,
        "buttons": [b.model_dump() for b in entry.buttons],
        "follow_up": entry.follow_up.model_dump(mode="json") if entry.follow_up else None,
        "proposes_fsd": entry.proposes_fsd,
        "overview": entry.overview,
        "kind": str(entry.kind),
        "incident": entry.incident.model_dump(mode="json") if entry.incident else None,
    }


def _texts(entry: Entry | EntryWrite) -> list[tuple[str, bool]]:
    pairs = [(t, True) for t in entry.error_messages] + [(t, False) for t in entry.reformulations]
    unique: dict[str, bool] = {}
    for text, is_error in pairs:
        unique.setdefault(text, is_error)
    return list(unique.items())


def _replace_texts(
    row: KnowledgeEntry, texts: list[tuple[str, bool]], *, source: str, replace_all: bool = False
) -> None:
    """Make the entry's texts of `source` (of every source with `replace_all`) be `texts`.

    Existing rows are kept and updated rather than deleted and re-inserted, so the unique
    (entry, text) constraint holds during the flush.
    """
    wanted = dict(texts)
    kept: list[KnowledgeText] = []
    for text in row.texts:
        replaceable = replace_all or text.source == source
        if not replaceable:
            kept.append(text)
            wanted.pop(text.text, None)
        elif text.text in wanted:
            text.is_error_message = wanted.pop(text.text)
            kept.append(text)
    row.texts = kept + [
        KnowledgeText(text=text, is_error_message=is_error, source=source)
        for text, is_error in wanted.items()
    ]


async def _entries_query(
    *, db_session: AsyncSession, ids: Sequence[str] | None = None
) -> list[KnowledgeEntry]:
    query = select(KnowledgeEntry).options(selectinload(KnowledgeEntry.texts))
    if ids is not None:
        query = query.where(KnowledgeEntry.id.in_(ids))
    return list(await db_session.scalars(query))


YAML_ACTOR = "yaml"  # the author of changes loaded from knowledge_base/entries/


@dataclass
class SyncReport:
    """What a YAML sync changed."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)


async def sync_from_yaml(*, db_session: AsyncSession, entries: Sequence[Entry]) -> SyncReport:
    """Load the YAML entries into the database; run-time additions are kept."""
    report = SyncReport()
    existing = {row.id: row for row in await _entries_query(db_session=db_session)}
    for entry in entries:
        row = existing.get(entry.id)
        if row is None:
            row = KnowledgeEntry(
                id=entry.id, version=entry.version, source="yaml", **_fields(entry)
            )
            row.texts = []
            db_session.add(row)
            _replace_texts(row, _texts(entry), source="yaml")
            report.created.append(entry.id)
            continue
        current_texts = sorted(
            (t.text, t.is_error_message) for t in row.texts if t.source == "yaml"
        )
        changed = any(getattr(row, k) != v for k, v in _fields(entry).items())
        if changed or current_texts != sorted(_texts(entry)):
            for key, value in _fields(entry).items():
                setattr(row, key, value)
            _replace_texts(row, _texts(entry), source="yaml")
            row.version = max(row.version + 1, entry.version)
            report.updated.append(entry.id)
    yaml_ids = {e.id for e in entries}
    for row in existing.values():
        if row.source == "yaml" and row.id not in yaml_ids and not row.retired:
            row.retired = True
            report.retired.append(row.id)
    if report.created or report.updated or report.retired:
        await bump_revision(db_session=db_session)
    await db_session.flush()
    touched = sorted({*report.created, *report.updated, *report.retired})
    for row in await _entries_query(db_session=db_session, ids=touched):
        await record_version(db_session=db_session, row=row, action="yaml", actor=YAML_ACTOR)
    return report


def to_read(row: KnowledgeEntry) -> EntryRead:
    """Return the API view of a stored entry."""
    return EntryRead(
        id=row.id,
        application=row.application,
        domain=row.domain,
        title=row.title,
        error_messages=[t.text for t in row.texts if t.is_error_message],
        reformulations=[t.text for t in row.texts if not t.is_error_message],
        keywords=row.keywords or [],
        answer=row.answer,
        buttons=row.buttons or [],
        follow_up=row.follow_up,
        proposes_fsd=row.proposes_fsd,
        overview=row.overview,
        kind=row.kind,
        incident=row.incident,
        version=row.version,
        retired=row.retired,
        source=row.source,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def to_entry(row: KnowledgeEntry) -> Entry:
    """Return the YAML form of a stored entry (for export)."""
    data = to_read(row).model_dump(
        include={
            "id",
            "application",
            "domain",
            "title",
            "error_messages",
            "reformulations",
            "keywords",
            "answer",
            "buttons",
            "follow_up",
            "proposes_fsd",
            "overview",
            "kind",
            "incident",
            "version",
        }
    )
    return Entry.model_validate(data)


def snapshot(row: KnowledgeEntry) -> dict[str, Any]:
    """The entry's editable content, as the editor writes it back (EntryWrite's fields)."""
    return to_read(row).model_dump(mode="json", include=set(EntryWrite.model_fields))


async def record_version(
    *, db_session: AsyncSession, row: KnowledgeEntry, action: str, actor: str
) -> KnowledgeEntryVersion:
    """Keep the entry's content after a change, for its history."""
    version = KnowledgeEntryVersion(
        entry_id=row.id,
        version=row.version,
        action=action,
        actor=actor,
        retired=row.retired,
        snapshot=snapshot(row),
    )
    db_session.add(version)
    await db_session.flush()
    if actor != YAML_ACTOR:
        await audit.record(
            db_session=db_session,
            actor=actor,
            action=f"knowledge.{action}",
            target=f"entry:{row.id}",
            detail={"entry_id": row.id, "version": row.version, "title": row.title},
        )
    return version


async def get_entry_or_raise(
    *, db_session: AsyncSession, entry_id: str, include_retired: bool = False
) -> KnowledgeEntry:
    """Return the entry, or raise NotFoundError."""
    rows = await _entries_query(db_session=db_session, ids=[entry_id])
    if not rows or (rows[0].retired and not include_retired):
        raise NotFoundError(
            f"knowledge entry {entry_id!r} does not exist", "Cette réponse n'existe pas."
        )
    return rows[0]


async def list_entries(
    *,
    db_session: AsyncSession,
    domain: str | None = None,
    query: str | None = None,
    kind: str | None = None,
    include_retired: bool = False,
) -> list[KnowledgeEntry]:
    """Return the entries of a domain, or matching a search, sorted by domain and title."""
    statement = select(KnowledgeEntry).options(selectinload(KnowledgeEntry.texts))
    if domain:
        statement = statement.where(KnowledgeEntry.domain == domain)
    if kind:
        statement = statement.where(KnowledgeEntry.kind == kind)
    if not include_retired:
        statement = statement.where(KnowledgeEntry.retired.is_(False))
    if query:
        pattern = f"%{query.lower()}%"
        matching_text = select(KnowledgeText.entry_id).where(KnowledgeText.text.ilike(pattern))
        statement = statement.where(
            or_(
                KnowledgeEntry.title.ilike(pattern),
                KnowledgeEntry.answer.ilike(pattern),
                KnowledgeEntry.id.in_(matching_text),
            )
        )
    statement = statement.order_by(KnowledgeEntry.domain, KnowledgeEntry.title)
    return list(await db_session.scalars(statement))


async def _check_references(
    *, db_session: AsyncSession, data: EntryWrite, domains: Sequence[Domain]
) -> None:
    if data.domain not in {d.id for d in domains}:
        raise InvalidEntryError(f"unknown domain {data.domain!r}", "Ce domaine n'existe pas.")
    targets = {b.entry_id for b in data.buttons}
    if data.follow_up:
        targets |= {b.entry_id for o in data.follow_up.options for b in o.buttons}
    if targets:
        found = set(
            await db_session.scalars(
                select(KnowledgeEntry.id).where(KnowledgeEntry.id.in_(targets))
            )
        )
        if targets - found:
            raise InvalidEntryError(
                f"buttons refer to unknown entries {sorted(targets - found)}",
                "Un bouton renvoie vers une réponse qui n'existe pas.",
            )
    if (str(data.kind) == "major_incident") != (data.incident is not None):
        raise InvalidEntryError(
            "'incident' is required for kind major_incident and only for it",
            "Un incident majeur doit préciser son statut.",
        )


async def create_entry(
    *, db_session: AsyncSession, data: EntryCreate, domains: Sequence[Domain], actor: str
) -> KnowledgeEntry:
    """Create an entry from the admin API."""
    if await db_session.get(KnowledgeEntry, data.id) is not None:
        raise ConflictError(
            f"knowledge entry {data.id!r} already exists", "Cet identifiant est déjà utilisé."
        )
    await _check_references(db_session=db_session, data=data, domains=domains)
    row = KnowledgeEntry(id=data.id, version=1, source="admin", **_fields(data))
    row.texts = []
    db_session.add(row)
    _replace_texts(row, _texts(data), source="admin")
    await bump_revision(db_session=db_session)
    await db_session.flush()
    await record_version(db_session=db_session, row=row, action="create", actor=actor)
    return row


async def update_entry(
    *,
    db_session: AsyncSession,
    entry_id: str,
    data: EntryWrite,
    domains: Sequence[Domain],
    actor: str,
    action: str = "update",
) -> KnowledgeEntry:
    """Replace an entry's content; its version goes up by one."""
    row = await get_entry_or_raise(db_session=db_session, entry_id=entry_id)
    await _check_references(db_session=db_session, data=data, domains=domains)
    for key, value in _fields(data).items():
        setattr(row, key, value)
    _replace_texts(row, _texts(data), source="admin", replace_all=True)
    row.version += 1
    await bump_revision(db_session=db_session)
    await db_session.flush()
    await record_version(db_session=db_session, row=row, action=action, actor=actor)
    return row


async def retire_entry(*, db_session: AsyncSession, entry_id: str, actor: str) -> KnowledgeEntry:
    """Withdraw an entry: it no longer matches nor answers, but stays for history."""
    row = await get_entry_or_raise(db_session=db_session, entry_id=entry_id)
    row.retired = True
    await bump_revision(db_session=db_session)
    await db_session.flush()
    await record_version(db_session=db_session, row=row, action="retire", actor=actor)
    return row


async def reactivate_entry(
    *, db_session: AsyncSession, entry_id: str, actor: str
) -> KnowledgeEntry:
    """Put a retired entry back: it matches and answers again."""
    row = await get_entry_or_raise(db_session=db_session, entry_id=entry_id, include_retired=True)
    if not row.retired:
        raise ConflictError(f"entry {entry_id!r} is not retired", "Cette fiche est déjà active.")
    row.retired = False
    await bump_revision(db_session=db_session)
    await db_session.flush()
    await record_version(db_session=db_session, row=row, action="reactivate", actor=actor)
    return row


async def history(*, db_session: AsyncSession, entry_id: str) -> list[KnowledgeEntryVersion]:
    """The entry's versions, oldest first (NotFoundError if no such entry)."""
    await get_entry_or_raise(db_session=db_session, entry_id=entry_id, include_retired=True)
    rows = await db_session.scalars(
        select(KnowledgeEntryVersion)
        .where(KnowledgeEntryVersion.entry_id == entry_id)
        .order_by(KnowledgeEntryVersion.id)
    )
    return list(rows)


async def restore_version(
    *,
    db_session: AsyncSession,
    entry_id: str,
    version_id: int,
    domains: Sequence[Domain],
    actor: str,
) -> KnowledgeEntry:
    """Make an older version's content current again (as a new version)."""
    old = await db_session.get(KnowledgeEntryVersion, version_id)
    if old is None or old.entry_id != entry_id:
        raise NotFoundError(
            f"entry {entry_id!r} has no version record {version_id}",
            "Cette version de la fiche n'existe pas.",
        )
    return await update_entry(
        db_session=db_session,
        entry_id=entry_id,
        data=EntryWrite.model_validate(old.snapshot),
        domains=domains,
        actor=actor,
        action="restore",
    )


async def add_reformulation(
    *, db_session: AsyncSession, entry_id: str, text: str, is_error_message: bool, actor: str
) -> KnowledgeEntry:
    """Add a text that identifies the entry; it matches from the next request on."""
    row = await get_entry_or_raise(db_session=db_session, entry_id=entry_id)
    if any(t.text == text for t in row.texts):
        raise ConflictError(
            f"entry {entry_id!r} already has this text", "Cette reformulation existe déjà."
        )
    row.texts.append(KnowledgeText(text=text, is_error_message=is_error_message, source="admin"))
    await bump_revision(db_session=db_session)
    await db_session.flush()
    await record_version(db_session=db_session, row=row, action="teach", actor=actor)
    return row


async def has_text(*, db_session: AsyncSession, entry_id: str, text: str) -> bool:
    """Whether the active entry already has this text (raise NotFoundError if no such entry)."""
    row = await get_entry_or_raise(db_session=db_session, entry_id=entry_id)
    return any(t.text == text for t in row.texts)


async def remove_text(*, db_session: AsyncSession, entry_id: str, text: str, actor: str) -> bool:
    """Remove a reformulation or error message from an entry; False if it was no longer there."""
    row = await db_session.get(
        KnowledgeEntry, entry_id, options=[selectinload(KnowledgeEntry.texts)]
    )
    found = [t for t in row.texts if t.text == text] if row is not None else []
    if row is None or not found:
        return False
    row.texts.remove(found[0])
    await bump_revision(db_session=db_session)
    await db_session.flush()
    await record_version(db_session=db_session, row=row, action="untaught", actor=actor)
    return True


class KnowledgeIndex:
    """The matcher (pasted errors) and the retriever (questions) of the active entries, rebuilt
    when the knowledge revision moves: what staff teach answers the next message, in every
    API process."""

    def __init__(self) -> None:
        self.revision = -1
        self.matcher = Matcher([])
        self.retriever = Retriever([])
        self.entries: dict[str, tuple[str, str]] = {}  # id -> (title, domain)
        self._lock = asyncio.Lock()

    async def refresh(self, *, db_session: AsyncSession) -> None:
        """Rebuild the index if the knowledge changed since it was built."""
        revision = await current_revision(db_session=db_session)
        if revision != self.revision:
            async with self._lock:
                if revision != self.revision:
                    await self._rebuild(db_session=db_session, revision=revision)

    async def _rebuild(self, *, db_session: AsyncSession, revision: int) -> None:
        rows = await list_entries(db_session=db_session)
        documents = [Document(r.id, t.text) for r in rows for t in r.texts if t.is_error_message]
        self.matcher, self.retriever = await asyncio.to_thread(
            lambda: (Matcher(documents), Retriever([_retrieval_document(r) for r in rows]))
        )
        self.entries = {r.id: (r.title, r.domain) for r in rows}
        self.revision = revision

    def read(self, scored: Scored) -> MatchRead:
        """Return the API view of a matched entry."""
        title, domain = self.entries[scored.entry_id]
        return MatchRead(
            entry_id=scored.entry_id,
            title=title,
            domain=domain,
            matched_error_message=scored.text,
            score=scored.score,
        )


def _retrieval_document(row: KnowledgeEntry) -> RetrievalDocument:
    return RetrievalDocument(
        entry_id=row.id,
        domain=row.domain,
        title=row.title,
        reformulations=tuple(t.text for t in row.texts if not t.is_error_message),
        error_messages=tuple(t.text for t in row.texts if t.is_error_message),
        keywords=tuple(row.keywords or ()),
        answer=row.answer,
        overview=row.overview,
    )


async def match(*, db_session: AsyncSession, index: KnowledgeIndex, text: str) -> MatchResponse:
    """Match a pasted error message against the current knowledge."""
    await index.refresh(db_session=db_session)
    result = index.matcher.match(text)
    return MatchResponse(
        match=index.read(result.match) if result.match else None,
        candidates=[index.read(c) for c in result.candidates],
    )


def nlu_evidence(*, intent: str | None, confidence: float, domains: Sequence[Domain]) -> Nlu | None:
    """What the NLU said of a question, with the domain its intent is about."""
    if intent is None:
        return None
    domain = intent if intent in {d.id for d in domains} else INTENT_DOMAINS.get(intent)
    return Nlu(intent=intent, confidence=confidence, domain=domain)


def _hit(hit: Hit) -> SearchHit:
    return SearchHit(entry_id=hit.entry_id, title=hit.title, domain=hit.domain, score=hit.score)


async def search(
    *,
    db_session: AsyncSession,
    index: KnowledgeIndex,
    text: str,
    domain: str | None,
    nlu: Nlu | None = None,
) -> SearchResponse:
    """The entry that answers a question, or suggestions, from the current knowledge."""
    await index.refresh(db_session=db_session)
    result = index.retriever.search(text, domain=domain, nlu=nlu)
    return SearchResponse(
        answer=_hit(result.answer) if result.answer else None,
        suggestions=[_hit(h) for h in result.suggestions],
        confidence=round(result.confidence, 3),
        lacks_detail=result.lacks_detail,
    )


async def rank(
    *, db_session: AsyncSession, index: KnowledgeIndex, text: str, limit: int
) -> list[SearchHit]:
    """The entries the retrieval ranks first for a text, whatever its confidence."""
    await index.refresh(db_session=db_session)
    return [_hit(h) for h in index.retriever.rank(text, limit=limit).hits]


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """Field by field, what differs between two snapshots (lists as items added and removed)."""
    changes = []
    for name in after:
        old, new = before.get(name), after[name]
        if old == new:
            continue
        if isinstance(old, list) and isinstance(new, list):
            changes.append(
                FieldChange(
                    field=name,
                    added=[x for x in new if x not in old],
                    removed=[x for x in old if x not in new],
                )
            )
        else:
            changes.append(FieldChange(field=name, before=old, after=new))
    return changes


def with_changes(versions: Sequence[KnowledgeEntryVersion]) -> list[EntryVersionRead]:
    """The versions, newest first, each with its changes from the previous one."""
    read = []
    previous: dict[str, Any] = {}
    for v in versions:
        read.append(
            EntryVersionRead(
                id=v.id,
                version=v.version,
                action=v.action,
                actor=v.actor,
                retired=v.retired,
                created_at=v.created_at,
                snapshot=v.snapshot,
                changes=_changes(previous, v.snapshot),
            )
        )
        previous = v.snapshot
    return read[::-1]
