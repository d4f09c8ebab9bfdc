"""What the bot asks api/ to do, read from its reply's custom data."""

import logging

import pytest

from api.chat.custom_data import bot_requests


def test_every_request_of_a_reply_is_read() -> None:
    requests = bot_requests(
        [
            {"review": {"text": "Fournisseur bloqué", "reason": "unknown_error_message"}},
            {"handoff": {"category": "support_chorus_pro", "context": {"trigger": "user_request"}}},
            {"fsd_status": 12},
            {"review": {"text": "xqzw", "reason": "not_understood"}},
        ]
    )

    assert [(r.text, r.reason) for r in requests.reviews] == [
        ("Fournisseur bloqué", "unknown_error_message"),
        ("xqzw", "not_understood"),
    ]
    assert requests.handoff is not None and requests.handoff.category == "support_chorus_pro"
    assert requests.fsd_status == 12 and requests.fsd is None


def test_a_malformed_request_is_logged_not_silently_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="api.chat"):
        requests = bot_requests(
            [
                {"handoff": {"category": "support_inconnu"}},
                {"review": {"text": " ", "reason": "not_understood"}},
                {"review": {"text": "x", "reason": "autre"}},
                {"fsd_status": True},
            ]
        )

    assert requests.handoff is None and requests.reviews == [] and requests.fsd_status is None
    assert [r.message.split(" request")[0] for r in caplog.records] == [
        "malformed 'handoff'",
        "malformed 'review'",
        "malformed 'review'",
    ]
