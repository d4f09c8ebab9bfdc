"""When the action server is down, Rasa answers nothing: the user gets the French "momentanément
indisponible" and a 503, never an empty 200, and the message is kept for the retry."""

import uuid
from typing import Any

import httpx

from api.core.rasa import UNAVAILABLE_MESSAGE


async def test_an_empty_reply_from_rasa_is_a_503_and_the_retry_is_answered(
    client: httpx.AsyncClient, stack: Any
) -> None:
    url = f"/api/v1/conversations/{uuid.uuid4().hex}/messages"
    question = {"text": "comment ajouter un tiers dans un EJ ?"}
    stack.stop_actions()
    try:
        response = await client.post(url, json=question)
    finally:
        stack.start_actions()

    assert response.status_code == 503
    assert response.json()["message"] == UNAVAILABLE_MESSAGE
    transcript = (await client.get(url.removesuffix("/messages"))).json()
    assert [m["text"] for m in transcript["messages"] if m["sender"] == "user"] == [
        question["text"]
    ]

    retried = await client.post(url, json=question)
    assert retried.status_code == 200
    assert retried.json()["messages"] and retried.json()["messages"][0]["text"]
