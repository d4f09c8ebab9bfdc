"""bot.states: the past states replayed once per event are Rasa's own, whatever happens to the
conversation (new turns, a form, a rewind, a restart, callers editing what they got), and the
trained model predicts the same actions along whole conversations as Rasa as shipped."""

import asyncio
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.shared.core.constants import ACTION_LISTEN_NAME, USER
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    Restarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import serve, states
from bot.heldout import ROOT

MODEL = ROOT / "models" / "current.tar.gz"
RASA_PAST_STATES = states._original_past_states
# Conversations as a user types them: questions, buttons, yes/no, an FSD form, small talk.
CONVERSATIONS = [
    ["bonjour", "/ej", "comment ajouter un tiers dans un EJ", "oui", "merci", "au revoir"],
    ["salut", "je veux ouvrir une FSD", "Problème de validation", "oui", "non", "/restart"],
    ["mon mot de passe chorus pro ne marche plus", "non", "je veux parler à un conseiller"],
    ["rien ne marche", "zzkq wxv", "je comprends rien", "/connexion", "merci"],
    ["bonjour", "combien de temps pour traiter une FSD", "oui", "/fsd", "/menu", "ok merci"],
]


@pytest.fixture(scope="module")
def agent() -> Agent:
    serve.install()
    return Agent.load(str(MODEL))


def _flag_sets(domain: Domain) -> list[tuple[bool, bool, dict[str, Any] | None]]:
    rule_only = {
        "rule_only_slots": sorted(slot.name for slot in domain.slots)[:3],
        "rule_only_loops": ["fsd_form"],
    }
    return [
        (False, False, None),
        (True, False, None),
        (False, True, rule_only),
        (True, True, rule_only),
    ]


def _assert_same_states(tracker: DialogueStateTracker, domain: Domain) -> None:
    for flags in _flag_sets(domain):
        ours = states.past_states(tracker, domain, *flags)
        theirs = RASA_PAST_STATES(tracker, domain, *flags)
        assert ours == theirs, flags
        for state in ours:  # what Rasa's featurizers do to the states they get
            state.get(USER, {}).pop("text", None)
            state.pop("slots", None)


async def _drive(agent: Agent, sender: str, texts: list[str], check: bool) -> list[Any]:
    """Each text's parse, then the predicted actions logged (without running them) until the
    bot listens; every few turns, a slot, a form, a rewind. Returns the predictions."""
    assert agent.processor is not None
    domain = agent.domain
    assert domain is not None
    tracker = DialogueStateTracker.from_events(sender, [], slots=domain.slots)
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    predictions: list[Any] = []
    extra: list[list[Event]] = [
        [SlotSet("domain_id", "ej")],
        [ActiveLoop("fsd_form"), SlotSet("requested_slot", "fsd_title")],
        [UserUtteranceReverted()],
        [ActiveLoop(None)],
        [Restarted(), ActionExecuted(ACTION_LISTEN_NAME)],
    ]
    for turn, text in enumerate(texts):
        parsed = await agent.parse_message(text)
        tracker.update(UserUttered(text, parsed["intent"], parsed["entities"], parsed))
        for _ in range(5):
            if check:
                _assert_same_states(tracker, domain)
            prediction = agent.processor._predict_next_with_tracker(tracker)
            action = domain.action_names_or_texts[prediction.max_confidence_index]
            predictions.append((turn, action, prediction.policy_name, prediction.max_confidence))
            tracker.update(
                ActionExecuted(
                    action,
                    prediction.policy_name,
                    prediction.max_confidence,
                    hide_rule_turn=prediction.hide_rule_turn,
                )
            )
            if action == ACTION_LISTEN_NAME:
                break
        for event in extra[turn % len(extra)] if turn % 2 else []:
            tracker.update(event)
        if turn == 2:  # a copy shares its events (Rasa copies trackers to look back)
            tracker = tracker.copy()
    if check:
        _assert_same_states(tracker, domain)
    return predictions


def test_states_are_rasas_along_conversations(agent: Agent) -> None:
    states.forget()
    for number, texts in enumerate(CONVERSATIONS):
        asyncio.run(_drive(agent, f"states-{number}", texts, check=True))
    assert len(states._replays) > len(CONVERSATIONS)  # the replays were kept and continued


def test_a_tracker_read_again_is_replayed_from_the_start(agent: Agent) -> None:
    """Same sender, other event objects (another shard saved it): no state from the old ones."""
    domain = agent.domain
    assert domain is not None
    first = DialogueStateTracker.from_events("again", [ActionExecuted(ACTION_LISTEN_NAME)])
    first.update(UserUttered("bonjour", {"name": "greet", "confidence": 1.0}))
    states.past_states(first, domain)
    reread = DialogueStateTracker.from_events("again", [ActionExecuted(ACTION_LISTEN_NAME)])
    reread.update(UserUttered("/ej", {"name": "ej", "confidence": 1.0}))
    assert states.past_states(reread, domain) == RASA_PAST_STATES(reread, domain)
    assert states.past_states(reread, domain)[-1][USER]["intent"] == "ej"


def test_predictions_along_conversations_are_those_of_rasa_as_shipped(agent: Agent) -> None:
    ours = [
        asyncio.run(_drive(agent, f"ours-{n}", texts, check=False))
        for n, texts in enumerate(CONVERSATIONS)
    ]
    DialogueStateTracker.past_states = RASA_PAST_STATES  # type: ignore[method-assign]
    try:
        theirs = [
            asyncio.run(_drive(agent, f"theirs-{n}", texts, check=False))
            for n, texts in enumerate(CONVERSATIONS)
        ]
    finally:
        DialogueStateTracker.past_states = states.past_states  # type: ignore[method-assign]
    assert sum(len(p) for p in ours) > 40
    assert ours == theirs
