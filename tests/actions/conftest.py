"""Tracker fixtures and a fake api/ at the HTTP boundary (aioresponses intercepts aiohttp)."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional, Tuple

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses
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
async def fresh_kb_cache() -> AsyncIterator[None]:
    """Each test starts with the action server's knowledge cache empty, and closes the
    connections it opened."""
    api_client.api.clear_cache()
    yield
    api_client.api.clear_cache()
    await api_client.api.aclose()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def domain() -> Dict[str, Any]:
    return {}


@dataclass
class Call:
    """One request the actions sent to api/."""

    method: str
    path: str
    params: Dict[str, str]
    json: Any


@dataclass
class Route:
    """What api/ answers to one method and path, and the requests it received."""

    status: int = 200
    body: Any = None
    calls: List[Call] = field(default_factory=list)

    def respond(self, json: Any, status_code: int = 200) -> None:
        self.status, self.body = status_code, json

    @property
    def call_count(self) -> int:
        return len(self.calls)


class FakeApi:
    """api/'s knowledge endpoints as the actions see them. A request to a path no test set up
    fails the test (the action server only reads a few endpoints, and never writes)."""

    def __init__(self) -> None:
        self.routes: Dict[Tuple[str, str], Route] = {}
        self.names: Dict[str, Route] = {}
        self.calls: List[Call] = []

    def route(self, method: str, path: str, name: Optional[str] = None) -> Route:
        route = self.routes.setdefault((method, path), Route())
        if name:
            self.names[name] = route
        return route

    def get(self, path: str, name: Optional[str] = None) -> Route:
        return self.route("GET", path, name)

    def post(self, path: str, name: Optional[str] = None) -> Route:
        return self.route("POST", path, name)

    def __getitem__(self, name: str) -> Route:
        return self.names[name]

    def answer(self, method: str, url: Any, **kwargs: Any) -> CallbackResult:
        path = url.path
        route = self.routes.get((method, path))
        if route is None:
            raise AssertionError(f"the actions sent {method} {path}, which no test set up")
        call = Call(method, path, dict(url.query), kwargs.get("json"))
        self.calls.append(call)
        route.calls.append(call)
        return CallbackResult(status=route.status, payload=route.body)


ANY_PATH = re.compile(re.escape(API_URL) + r"/.*")


@pytest.fixture
def api_mock() -> Iterator[FakeApi]:
    """api/ as the actions see it, answering from DOMAINS."""
    fake = FakeApi()
    fake.get("/api/v1/kb/domains", name="domains").respond(json=DOMAINS)
    for item in DOMAINS:
        fake.get(f"/api/v1/kb/domains/{item['id']}").respond(json=item)
    fake.get("/api/v1/kb/entries/ej-report").respond(json=REPORT_ENTRY)
    fake.get("/api/v1/kb/entries/gone").respond(
        status_code=404, json={"detail": "x", "message": "y"}
    )
    fake.get("/api/v1/kb/entries", name="entries").respond(json=[REPORT_ENTRY])
    fake.post("/api/v1/kb/search", name="search").respond(
        json={"answer": None, "suggestions": [], "confidence": 0.1}
    )
    with aioresponses() as mock:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            mock.add(
                ANY_PATH,
                method,
                callback=lambda url, _method=method, **kwargs: fake.answer(_method, url, **kwargs),
                repeat=True,
            )
        yield fake


@pytest.fixture
def api_down() -> Iterator[aioresponses]:
    """api/ refusing connections."""
    with aioresponses() as mock:
        for method in ("GET", "POST"):
            mock.add(
                ANY_PATH,
                method,
                exception=aiohttp.ClientConnectionError("connection refused"),
                repeat=True,
            )
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
