"""Rasa's tracker store is a SQL database: restarting Rasa loses no conversation."""

import sqlite3
import uuid
from typing import Any

import httpx


def session_starts(stack: Any, conversation_id: str) -> int:
    with sqlite3.connect(stack.tracker_db) as db:
        row = db.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'session_started'",
            (conversation_id,),
        ).fetchone()
    return int(row[0])


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
