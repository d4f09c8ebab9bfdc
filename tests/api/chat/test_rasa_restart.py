"""Rasa's tracker store is a SQL database: restarting Rasa loses no conversation."""

import uuid
from typing import Any

import httpx


def session_starts(stack: Any, conversation_id: str) -> int:
    """How many sessions Rasa opened for the conversation."""
    return int(stack.tracker_events(conversation_id, "session_started"))


async def test_a_conversation_continues_in_the_same_session_after_a_rasa_restart(
    client: httpx.AsyncClient, stack: Any
) -> None:
    conversation_id = uuid.uuid4().hex
    url = f"/api/v1/conversations/{conversation_id}/messages"
    await client.post(url, json={"payload": "/greet"})
    assert session_starts(stack, conversation_id) == 1

    stack.restart_rasa()
    response = await client.post(url, json={"payload": "/connexion"})

    assert response.status_code == 200
    assert "mot de passe" in response.json()["messages"][0]["text"]
    # A lost tracker would have opened a second session for this conversation.
    assert session_starts(stack, conversation_id) == 1
