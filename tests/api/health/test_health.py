"""GET /api/v1/health checks the database, Rasa and the action server."""

from typing import Any

import httpx

from tests.api.conftest import ClientFactory
from tests.stack import free_port


async def test_health_is_ok_when_everything_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "rasa": "ok", "action_server": "ok"},
    }


async def test_health_names_rasa_when_it_is_down(
    make_client: ClientFactory, stack: Any, unused_url: str
) -> None:
    client = await make_client(rasa_url=unused_url, action_server_url=stack.actions_url)

    response = await client.get("/api/v1/health")

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["rasa"] != "ok"
    assert body["checks"]["action_server"] == "ok"
    assert body["detail"] == "not answering: rasa"


async def test_health_names_the_action_server_when_it_is_down(
    make_client: ClientFactory, stack: Any, unused_url: str
) -> None:
    client = await make_client(rasa_url=stack.rasa_url, action_server_url=unused_url)

    response = await client.get("/api/v1/health")

    assert response.status_code == 503
    assert response.json()["detail"] == "not answering: action_server"


async def test_health_names_the_database_when_it_is_unreachable(
    make_client: ClientFactory, stack: Any
) -> None:
    nowhere = f"postgresql+asyncpg://assistant@127.0.0.1:{free_port()}/assistant"
    client = await make_client(
        database_url=nowhere, rasa_url=stack.rasa_url, action_server_url=stack.actions_url
    )

    response = await client.get("/api/v1/health")

    assert response.status_code == 503
    assert response.json()["detail"] == "not answering: database"
    assert response.json()["checks"]["rasa"] == "ok"
