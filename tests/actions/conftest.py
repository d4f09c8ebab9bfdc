"""Tracker fixtures and a fake api/ at the HTTP boundary (respx)."""

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import respx
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import api_client
from actions.api_client import API_URL

TRACKERS = Path(__file__).resolve().parents[1] / "data" / "trackers"

DOMAINS: List[Dict[str, str]] = [
    {"id": "connexion", "label": "Connexion", "intro": "Connexion : accès, mot de passe."},
    {"id": "fsd", "label": "Fiche service desk (FSD)", "intro": "Seul le CCA crée une FSD."},
    {"id": "ej", "label": "Engagement juridique (EJ)", "intro": "EJ."},
]
REPORT_ENTRY: Dict[str, Any] = {
    "id": "ej-report",
    "title": "Poste de pièce pas encore reporté",
    "domain": "ej",
    "version": 3,
    "answer": "La réponse dépend de la modification.",
    "buttons": [],
    "incident": None,
    "follow_up": {
        "question": "Quelle est la modification apportée sur l'EJ ?",
        "options": [
            {
                "label": "Abonnement d'un poste",
                "answer": "Créez un nouveau poste.",
                "buttons": [{"title": "FSD", "entry_id": "fsd-creation"}],
            },
            {"label": "Ajout d'un tiers", "answer": "Créez une fiche.", "buttons": []},
        ],
    },
}
CANDIDATES = [
    {
        "entry_id": "ej-cf",
        "title": "CF inexistant",
        "domain": "ej",
        "matched_error_message": "Centre financier {cf} inexistant",
        "score": 80.0,
    },
    {
        "entry_id": "ej-cf2",
        "title": "CF hors périmètre",
        "domain": "ej",
        "matched_error_message": "Ctre financier {cf} n'existe pas",
        "score": 78.0,
    },
]


def load_tracker(name: str) -> Tracker:
    """Return the named tracker of tests/data/trackers."""
    state: Dict[str, Any] = json.loads((TRACKERS / f"{name}.json").read_text())
    return Tracker.from_dict(state)


@pytest.fixture(autouse=True)
def fresh_kb_cache() -> Iterator[None]:
    """Each test starts with the action server's knowledge cache empty."""
    api_client.api.clear_cache()
    yield
    api_client.api.clear_cache()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def domain() -> Dict[str, Any]:
    return {}


@pytest.fixture
def api_mock() -> Iterator[respx.MockRouter]:
    """api/ as the actions see it, answering from DOMAINS (read-only: any write is unmocked and
    fails the test, since the action server never writes to api/)."""
    with respx.mock(base_url=API_URL, assert_all_called=False) as mock:
        mock.get("/api/v1/kb/domains", name="domains").respond(json=DOMAINS)
        for item in DOMAINS:
            mock.get(f"/api/v1/kb/domains/{item['id']}").respond(json=item)
        mock.get("/api/v1/kb/entries/ej-report").respond(json=REPORT_ENTRY)
        mock.get("/api/v1/kb/entries/gone").respond(
            status_code=404, json={"detail": "x", "message": "y"}
        )
        mock.get("/api/v1/kb/entries", name="entries").respond(json=[REPORT_ENTRY])
        mock.post("/api/v1/kb/search", name="search").respond(
            json={"answer": None, "suggestions": [], "confidence": 0.1}
        )
        yield mock


@pytest.fixture
def api_down() -> Iterator[respx.MockRouter]:
    """api/ refusing connections."""
    import httpx

    with respx.mock(base_url=API_URL) as mock:
        mock.route().mock(side_effect=httpx.ConnectError("connection refused"))
        yield mock


@pytest.fixture
def tracker_menu_click_connexion() -> Tracker:
    return load_tracker("menu_click_connexion")


@pytest.fixture
def tracker_new_conversation() -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "tracker_new_01",
            "slots": {},
            "latest_message": {"text": "bonjour", "intent": {"name": "greet"}, "entities": []},
            "events": [],
            "paused": False,
            "active_loop": {},
        }
    )


def tracker_with(
    text: str,
    intent: str,
    slots: Dict[str, Any],
    entities: List[Dict[str, Any]] = (),  # type: ignore[assignment]
    events: List[Dict[str, Any]] = (),  # type: ignore[assignment]
    metadata: Optional[Dict[str, Any]] = None,
    confidence: float = 1.0,
) -> Tracker:
    """A tracker whose latest message has this text, intent, entities, metadata and slots."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": list(entities),
    }
    if metadata is not None:
        latest["metadata"] = metadata
    return Tracker.from_dict(
        {
            "sender_id": "tracker_knowledge_01",
            "slots": slots,
            "latest_message": latest,
            "events": list(events) or [{"event": "user", "text": text}],
            "paused": False,
            "active_loop": {},
        }
    )


def said(dispatcher: CollectingDispatcher) -> List[Optional[str]]:
    """The responses the action uttered (custom data for api/ left out)."""
    return [m["response"] for m in dispatcher.messages if not m.get("custom")]


def reviews(dispatcher: CollectingDispatcher) -> List[Dict[str, str]]:
    """The review requests the action sent back to api/ in its custom data."""
    return [
        m["custom"]["review"] for m in dispatcher.messages if "review" in (m.get("custom") or {})
    ]


def misunderstood_turn(text: str, count: float) -> List[Dict[str, Any]]:
    """Events of a previous user turn the bot counted as a misunderstanding, then this turn."""
    return [
        {"event": "user", "text": text},
        {"event": "action", "name": "action_answer_question"},
        {"event": "slot", "name": "misunderstandings", "value": count},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "now"},
    ]
