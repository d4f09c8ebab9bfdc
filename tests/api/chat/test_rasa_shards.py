"""Rasa in shards (RASA_URLS): each conversation goes to one shard by rendezvous hashing of its
id; adding or removing a shard moves about 1/N of the conversations; a shard that is down fails
only its own conversations, with the French 503 and their messages kept."""

import uuid
from collections import Counter
from typing import Any

import httpx
import pytest

from api.core.config import Settings
from api.core.rasa import shard_of
from tests.api.conftest import ClientFactory

IDS = [uuid.uuid4().hex for _ in range(20_000)]
TWO = ["http://10.0.0.1:5005", "http://10.0.0.2:5005"]
THREE = [*TWO, "http://10.0.0.3:5005"]


def assignment(shards: list[str]) -> dict[str, str]:
    return {conversation: shard_of(conversation, shards) for conversation in IDS}


def test_conversations_spread_evenly_over_the_shards() -> None:
    counts = Counter(assignment(THREE).values())

    assert set(counts) == set(THREE)
    assert all(abs(count / len(IDS) - 1 / 3) < 0.02 for count in counts.values()), counts


def test_adding_a_shard_moves_a_third_of_the_conversations_all_to_the_new_one() -> None:
    before, after = assignment(TWO), assignment(THREE)

    moved = [conversation for conversation in IDS if before[conversation] != after[conversation]]

    assert abs(len(moved) / len(IDS) - 1 / 3) < 0.02
    assert {after[conversation] for conversation in moved} == {THREE[2]}


def test_removing_a_shard_moves_only_its_own_conversations() -> None:
    before, after = assignment(THREE), assignment(TWO)

    moved = {conversation for conversation in IDS if before[conversation] != after[conversation]}

    assert moved == {conversation for conversation in IDS if before[conversation] == THREE[2]}


def test_the_order_of_rasa_urls_changes_nothing() -> None:
    assert assignment(THREE) == assignment(list(reversed(THREE)))


def test_rasa_urls_are_checked_and_default_to_rasa_url() -> None:
    assert Settings(app_env="test", rasa_url="http://127.0.0.1:5005").rasa_shards() == [
        "http://127.0.0.1:5005"
    ]
    assert Settings(app_env="test", rasa_urls="http://a:5005/, http://b:5005").rasa_shards() == [
        "http://a:5005",
        "http://b:5005",
    ]
    with pytest.raises(ValueError, match="RASA_URLS"):
        Settings(app_env="test", rasa_urls="http://a:5005 ftp://b")


async def say(client: httpx.AsyncClient, conversation: str, text: str) -> httpx.Response:
    return await client.post(f"/api/v1/conversations/{conversation}/messages", json={"text": text})


async def test_a_shard_down_fails_only_its_own_conversations(
    make_client: ClientFactory, stack: Any, unused_url: str
) -> None:
    shards = [stack.rasa_url, unused_url]
    client = await make_client(
        rasa_urls=" ".join(shards), action_server_url=stack.actions_url, rasa_timeout_seconds=5
    )
    live = [c for c in (uuid.uuid4().hex for _ in range(40)) if shard_of(c, shards) == shards[0]]
    dead = [c for c in (uuid.uuid4().hex for _ in range(40)) if shard_of(c, shards) == shards[1]]

    for conversation in live[:3]:
        answered = await say(client, conversation, "bonjour")
        assert answered.status_code == 200, answered.text
        assert answered.json()["messages"], answered.text
    for conversation in dead[:3]:
        failed = await say(client, conversation, "Mon EJ est bloqué")
        assert failed.status_code == 503
        assert failed.json()["message"].startswith("L'assistant est momentanément indisponible.")
        transcript = (await client.get(f"/api/v1/conversations/{conversation}")).json()
        assert [m["text"] for m in transcript["messages"]] == ["Mon EJ est bloqué"]
    health = await client.get("/api/v1/health")
    assert health.status_code == 503
    assert unused_url in health.json()["checks"]["rasa"]
    assert stack.rasa_url not in health.json()["checks"]["rasa"]
