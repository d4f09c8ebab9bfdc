"""Tracker fixtures and a fake api/ at the HTTP boundary (respx)."""

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import respx
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.api_client import API_URL

TRACKERS = Path(__file__).resolve().parents[1] / "data" / "trackers"

DOMAINS: List[Dict[str, str]] = [
    {"id": "connexion", "label": "Connexion", "intro": "Connexion : accès, mot de passe."},
    {"id": "fsd", "label": "Fiche service desk (FSD)", "intro": "Seul le CCA crée une FSD."},
]


def load_tracker(name: str) -> Tracker:
    """Return the named tracker of tests/data/trackers."""
    state: Dict[str, Any] = json.loads((TRACKERS / f"{name}.json").read_text())
    return Tracker.from_dict(state)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def domain() -> Dict[str, Any]:
    return {}


@pytest.fixture
def api_mock() -> Iterator[respx.MockRouter]:
    """api/ as the actions see it, answering from DOMAINS."""
    with respx.mock(base_url=API_URL, assert_all_called=False) as mock:
        mock.get("/api/v1/kb/domains").respond(json=DOMAINS)
        for item in DOMAINS:
            mock.get(f"/api/v1/kb/domains/{item['id']}").respond(json=item)
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
