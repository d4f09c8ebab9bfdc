"""The server-rendered pages answer, with their forms (their behaviour is in tests/browser)."""

import httpx
import pytest


@pytest.mark.parametrize(
    ("path", "present"),
    [
        ("/", 'id="chat-input"'),
        ("/console", 'id="login-form"'),
        ("/admin", 'id="edit-reformulations"'),
    ],
)
async def test_each_page_renders(kb_client: httpx.AsyncClient, path: str, present: str) -> None:
    response = await kb_client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert present in response.text
    assert 'lang="fr"' in response.text


async def test_the_chart_components_are_served(kb_client: httpx.AsyncClient) -> None:
    response = await kb_client.get("/static/dsfr-chart/DSFRChart.js")

    assert response.status_code == 200
    assert "bar-chart" in response.text
