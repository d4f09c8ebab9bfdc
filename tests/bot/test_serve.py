"""bot.serve: the compiled validation of action-server responses behaves as Rasa's own."""

from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import serve


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    serve.install()


def action() -> RemoteAction:
    return RemoteAction("action_show_menu", None)


def test_a_valid_response_passes() -> None:
    response: dict[str, Any] = {
        "events": [{"event": "slot", "name": "misunderstandings", "value": 0.0}],
        "responses": [{"text": "Bonjour", "buttons": [{"title": "EJ", "payload": "/ej"}]}],
    }
    assert action()._validate_action_result(response) is True


def test_an_invalid_response_is_refused_as_rasa_does() -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action()._validate_action_result({"events": "not a list"})
