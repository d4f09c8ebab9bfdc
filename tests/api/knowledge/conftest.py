"""A knowledge API client on a database loaded from the YAML files, and staff tokens."""

from collections.abc import Awaitable, Callable

import httpx
import pytest

from api.auth.models import Role
from api.core.db import create_engine, create_session_factory
from api.knowledge import service
from knowledge_base.loader import load_entries
from tests.api.conftest import ClientFactory, staff_headers

TokenFactory = Callable[[Role], Awaitable[str]]


async def load_yaml(database_url: str) -> None:
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        await service.sync_from_yaml(db_session=session, entries=load_entries())
    await engine.dispose()


@pytest.fixture
async def kb_client(
    make_client: ClientFactory, database_url: str, unused_url: str
) -> httpx.AsyncClient:
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
    return {"Authorization": f"Bearer {await token_for(Role.ADMIN)}"}
