"""The database does not answer (restarting, unreachable): a clean 503 in French, never a 500."""

import httpx

from tests.api.conftest import ClientFactory
from tests.stack import free_port


async def test_requests_get_a_french_503_while_the_database_is_down(
    make_client: ClientFactory, unused_url: str
) -> None:
    nowhere = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/absent"
    client: httpx.AsyncClient = await make_client(
        database_url=nowhere, rasa_url=unused_url, action_server_url=unused_url
    )

    sent = await client.post(
        "/api/v1/conversations/conv-db-down-1/messages", json={"text": "bonjour"}
    )
    listed = await client.get("/api/v1/kb/entries")

    for response in (sent, listed):
        assert response.status_code == 503, response.text
        assert response.json()["message"].startswith("Le service est momentanément indisponible.")
        assert response.headers["Retry-After"] == "2"
