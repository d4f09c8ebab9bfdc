"""Schemathesis generates requests from the OpenAPI schema of the whole public API (conversations,
Rasa's REST channel, knowledge, NLU, FSD, FSD system, LiveChat, review, statistics, login), sent
to a real server wired to the real Rasa, as a CCA with the FSD system's key: whatever it sends,
the API answers without a server error."""

import asyncio
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from api.auth.models import Role
from tests.api.conftest import staff_headers
from tests.api.handoff.conftest import (  # noqa: F401 (live_server is a fixture)
    FSD_SYSTEM_KEY,
    LiveServer,
    live_server,
)

FUZZED = r"^/(api/v1/|webhooks/)"


@pytest.fixture
def api_schema(live_server: LiveServer) -> Any:  # noqa: F811
    return schemathesis.openapi.from_url(f"{live_server.url}/openapi.json").include(
        path_regex=FUZZED
    )


@pytest.fixture
def cca_headers(live_server: LiveServer) -> dict[str, str]:  # noqa: F811
    async def create() -> dict[str, str]:
        async with httpx.AsyncClient(base_url=live_server.url) as client:
            headers = await staff_headers(
                client, live_server.database_url, username="cca-fuzz", role=Role.CCA
            )
            return {**headers, "X-API-Key": FSD_SYSTEM_KEY}

    return asyncio.run(create())


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_server_error(case: Any, live_server: LiveServer, cca_headers: dict[str, str]) -> None:  # noqa: F811
    response = case.call(base_url=live_server.url, headers=cca_headers, timeout=30)

    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
