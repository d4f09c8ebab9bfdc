"""The domain menu served to the actions."""

import httpx
import pytest

from tests.api.conftest import ClientFactory


@pytest.fixture
async def kb_client(make_client: ClientFactory, unused_url: str) -> httpx.AsyncClient:
    return await make_client(rasa_url=unused_url, action_server_url=unused_url)


async def test_domains_are_the_fifteen_of_the_menu_in_order(kb_client: httpx.AsyncClient) -> None:
    response = await kb_client.get("/api/v1/kb/domains")

    assert response.status_code == 200
    ids = [d["id"] for d in response.json()]
    assert ids[:3] == ["connexion", "habilitation", "message_erreur"]
    assert len(ids) == 15
    assert ids[-1] == "organisation_support"


async def test_one_domain_has_its_label_and_introduction(kb_client: httpx.AsyncClient) -> None:
    response = await kb_client.get("/api/v1/kb/domains/fsd")

    assert response.status_code == 200
    body = response.json()
    assert body["label"] == "Fiche service desk (FSD)"
    assert "CCA" in body["intro"]


async def test_unknown_domain_is_a_404(kb_client: httpx.AsyncClient) -> None:
    response = await kb_client.get("/api/v1/kb/domains/comptabilite")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "domain 'comptabilite' does not exist",
        "message": "Ce domaine n'existe pas.",
    }
