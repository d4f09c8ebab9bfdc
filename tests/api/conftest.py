"""API tests run the real app in process on a real database (SQLite, or PostgreSQL when
TEST_DATABASE_URL points at one), talking to a real Rasa from the `stack` fixture."""

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from api.auth import service as auth_service
from api.auth.models import Role
from api.core.config import Settings
from api.core.db import Base, create_engine, create_session_factory
from api.knowledge import service as knowledge_service
from api.knowledge.schemas import EntryWrite
from api.main import create_app
from knowledge_base.loader import load_entries
from tests import tokens
from tests.stack import ROOT, free_port

ClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]
WORKING_HOURS = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Paris


def migrate(database_url: str) -> None:
    """Apply every Alembic migration to the database."""
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    # Alembic's env.py runs its own event loop: in a thread of its own, so that it works whatever
    # runs in this one (pytest-asyncio's loop, the browser tests' sync Playwright).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, config, "head").result()


STAFF_PASSWORD = "correct horse battery staple"


async def staff_headers(
    client: httpx.AsyncClient,
    database_url: str,
    *,
    username: str,
    role: Role,
    extra_roles: tuple[Role, ...] = (),
) -> dict[str, str]:
    """Create a staff account in the database and return its Authorization header."""
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        await auth_service.create_user(
            db_session=session,
            username=username,
            password=STAFF_PASSWORD,
            roles=[role, *extra_roles],
        )
        await session.commit()
    await engine.dispose()
    response = await client.post(
        "/api/v1/auth/token", json={"username": username, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the schema applied once, copied for each test."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    migrate(f"sqlite+aiosqlite:///{path}")
    return path


async def _empty_tables(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(text(f'DELETE FROM "{table.name}"'))
    await engine.dispose()


@pytest.fixture
def database_url(migrated_template: Path, tmp_path: Path) -> Iterator[str]:
    """A database with the current schema and no rows."""
    shared = os.environ.get("TEST_DATABASE_URL")
    if not shared:
        path = tmp_path / "api.db"
        shutil.copy(migrated_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    migrate(shared)
    yield shared
    asyncio.run(_empty_tables(shared))


@pytest.fixture
def unused_url() -> str:
    """A loopback URL where nothing listens (a process that is down)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
async def make_client(database_url: str) -> AsyncIterator[ClientFactory]:
    """Build an app with settings overrides, run its lifespan, return a client to it."""
    async with AsyncExitStack() as stack:

        async def factory(**overrides: Any) -> httpx.AsyncClient:
            overrides.setdefault("database_url", database_url)
            overrides.setdefault("app_env", "test")
            settings = Settings(**overrides)
            # LiveChat hours depend on the time: tests run on a working day at 10:00 in Paris.
            app = create_app(settings, clock=lambda: WORKING_HOURS)
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            return await stack.enter_async_context(
                tokens.client(transport=transport, base_url="http://testserver")
            )

        yield factory


@pytest.fixture
async def client(make_client: ClientFactory, stack: Any) -> httpx.AsyncClient:
    """A client of an app wired to the running Rasa and action server."""
    return await make_client(rasa_url=stack.rasa_url, action_server_url=stack.actions_url)


TokenFactory = Callable[[Role], Awaitable[str]]


async def load_yaml(database_url: str) -> None:
    """Load the knowledge base's YAML files into the database."""
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        await knowledge_service.sync_from_yaml(db_session=session, entries=load_entries())
        await session.commit()
    await engine.dispose()


@pytest.fixture
async def kb_client(
    make_client: ClientFactory, database_url: str, unused_url: str
) -> httpx.AsyncClient:
    """A client of an app whose knowledge base is loaded (Rasa and the actions are down)."""
    await load_yaml(database_url)
    return await make_client(rasa_url=unused_url, action_server_url=unused_url)


@pytest.fixture
async def token_for(kb_client: httpx.AsyncClient, database_url: str) -> TokenFactory:
    """Create a staff account of a role and return its bearer token."""

    async def factory(role: Role) -> str:
        headers = await staff_headers(
            kb_client, database_url, username=f"{role.value}-1", role=role
        )
        return headers["Authorization"].removeprefix("Bearer ")

    return factory


@pytest.fixture
async def admin_headers(token_for: TokenFactory) -> dict[str, str]:
    """An admin's Authorization header."""
    return {"Authorization": f"Bearer {await token_for(Role.ADMIN)}"}


def editable(entry: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """An entry as the admin API reads it, cut to what PUT takes, with some fields changed."""
    return {**{k: entry[k] for k in EntryWrite.model_fields}, **changes}
