"""The cached SQL tracker store: same rows as Rasa's SQLTrackerStore, read back after a restart."""

from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import CachedSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def store(domain: Domain, path: Path, cache_size: int = 100) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(
        domain=domain, dialect="sqlite", db=str(path), cache_size=cache_size
    )


def user_turn(text: str, intent: str) -> list:
    return [
        UserUttered(text, {"name": intent, "confidence": 0.9}),
        ActionExecuted("action_answer_question"),
        SlotSet("misunderstandings", 0.0),
        ActionExecuted("action_listen"),
    ]


async def new_tracker(tracker_store: CachedSQLTrackerStore, sender: str) -> DialogueStateTracker:
    tracker = await tracker_store.get_or_create_tracker(sender)
    for event in user_turn("bonjour", "greet"):
        tracker.update(event)
    await tracker_store.save(tracker)
    return tracker


async def test_a_restarted_store_reads_every_event_back(domain: Domain, tmp_path: Path) -> None:
    first = store(domain, tmp_path / "t.db")
    tracker = await new_tracker(first, "conv-restart")
    tracker = await first.retrieve("conv-restart")
    assert tracker is not None
    for event in user_turn("mot de passe oublié", "connexion"):
        tracker.update(event)
    await first.save(tracker)

    reloaded = await store(domain, tmp_path / "t.db").retrieve("conv-restart")
    plain = await SQLTrackerStore(
        domain=domain, dialect="sqlite", db=str(tmp_path / "t.db")
    ).retrieve("conv-restart")
    assert reloaded is not None and plain is not None
    assert list(reloaded.events) == list(tracker.events) == list(plain.events)
    assert reloaded.latest_message.text == "mot de passe oublié"


async def test_each_event_is_written_once(domain: Domain, tmp_path: Path) -> None:
    tracker_store = store(domain, tmp_path / "t.db")
    tracker = await new_tracker(tracker_store, "conv-once")
    for _ in range(3):
        tracker = await tracker_store.retrieve("conv-once")
        assert tracker is not None
        for event in user_turn("merci", "thanks"):
            tracker.update(event)
        await tracker_store.save(tracker)
        await tracker_store.save(tracker)  # Rasa saves twice per message

    with tracker_store.session_scope() as session:
        rows = session.query(tracker_store.SQLEvent).filter_by(sender_id="conv-once").count()
    assert rows == len(tracker.events)


async def test_a_tracker_not_saved_back_is_reloaded(domain: Domain, tmp_path: Path) -> None:
    """A request that fails after retrieve leaves nothing half-done in the cache."""
    tracker_store = store(domain, tmp_path / "t.db")
    tracker = await new_tracker(tracker_store, "conv-failed")
    stored = len(tracker.events)
    taken = await tracker_store.retrieve("conv-failed")
    assert taken is not None
    taken.update(UserUttered("jamais enregistré", {"name": "greet"}))  # then the request fails

    again = await tracker_store.retrieve("conv-failed")
    assert again is not None and len(again.events) == stored


async def test_the_cache_is_bounded(domain: Domain, tmp_path: Path) -> None:
    tracker_store = store(domain, tmp_path / "t.db", cache_size=2)
    for sender in ("conv-a", "conv-b", "conv-c"):
        await new_tracker(tracker_store, sender)
    assert list(tracker_store._at_rest) == ["conv-b", "conv-c"]
    evicted = await tracker_store.retrieve("conv-a")
    assert evicted is not None and evicted.latest_message.text == "bonjour"


def shard(domain: Domain, path: Path) -> CachedSQLTrackerStore:
    """One Rasa shard's store on the database the shards share."""
    return CachedSQLTrackerStore(
        domain=domain, dialect="sqlite", db=str(path), cache_size=100, shared=True
    )


async def turn(tracker_store: CachedSQLTrackerStore, sender: str, text: str) -> None:
    tracker = await tracker_store.get_or_create_tracker(sender)
    for event in user_turn(text, "inform"):
        tracker.update(event)
    await tracker_store.save(tracker)


async def test_a_shard_never_answers_from_a_copy_another_shard_has_outdated(
    domain: Domain, tmp_path: Path
) -> None:
    """A conversation moves from shard A to B (a shard added) and back (removed): A reads what
    B wrote instead of its cached copy."""
    first, second = shard(domain, tmp_path / "t.db"), shard(domain, tmp_path / "t.db")
    await turn(first, "conv-moved", "bonjour")  # cached by A
    await turn(second, "conv-moved", "ma facture est bloquée")  # B reads A's rows, adds its own

    back = await first.retrieve("conv-moved")

    assert back is not None
    assert back.latest_message.text == "ma facture est bloquée"
    assert [e.text for e in back.events if isinstance(e, UserUttered)] == [
        "bonjour",
        "ma facture est bloquée",
    ]
    # A's next turn appends after B's events: nothing lost, nothing written twice.
    for event in user_turn("merci", "thanks"):
        back.update(event)
    await first.save(back)
    reread = await SQLTrackerStore(
        domain=domain, dialect="sqlite", db=str(tmp_path / "t.db")
    ).retrieve("conv-moved")
    assert reread is not None and list(reread.events) == list(back.events)


async def test_an_unshared_store_keeps_its_cached_copy(domain: Domain, tmp_path: Path) -> None:
    """Without `shared`, the single owner trusts its cache (what makes it fast): the check is
    what the shards pay for."""
    owner, intruder = store(domain, tmp_path / "t.db"), store(domain, tmp_path / "t.db")
    await turn(owner, "conv-owned", "bonjour")
    await turn(intruder, "conv-owned", "écrit par un autre processus")

    cached = await owner.retrieve("conv-owned")

    assert cached is not None and cached.latest_message.text == "bonjour"
