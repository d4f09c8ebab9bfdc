"""Loading the YAML files into the database: idempotent, keeps run-time additions."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.db import create_engine, create_session_factory
from api.knowledge import service
from knowledge_base.loader import load_entries


@pytest.fixture
async def db_session(database_url: str) -> AsyncIterator[AsyncSession]:
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        yield session
    await engine.dispose()


async def test_loading_twice_changes_nothing_the_second_time(db_session: AsyncSession) -> None:
    entries = load_entries()

    first = await service.sync_from_yaml(db_session=db_session, entries=entries)
    await db_session.commit()
    second = await service.sync_from_yaml(db_session=db_session, entries=entries)

    assert len(first.created) == len(entries)
    assert (second.created, second.updated, second.retired) == ([], [], [])


async def test_reload_keeps_runtime_reformulations_and_versions_changed_entries(
    db_session: AsyncSession,
) -> None:
    entries = load_entries()
    await service.sync_from_yaml(db_session=db_session, entries=entries)
    await service.add_reformulation(
        db_session=db_session,
        entry_id="fsd-limite-pieces",
        text="limite de pièces",
        is_error_message=False,
        actor="alice",
    )
    await db_session.commit()
    changed = [
        e.model_copy(update={"answer": e.answer + " (mis à jour)"})
        if e.id == "fsd-limite-pieces"
        else e
        for e in entries
        if e.id != "assistant-nouveau-message"
    ]

    report = await service.sync_from_yaml(db_session=db_session, entries=changed)
    await db_session.commit()

    assert report.updated == ["fsd-limite-pieces"]
    assert report.retired == ["assistant-nouveau-message"]
    row = await service.get_entry_or_raise(db_session=db_session, entry_id="fsd-limite-pieces")
    assert row.version == 2
    assert row.answer.endswith("(mis à jour)")
    assert "limite de pièces" in [t.text for t in row.texts]
