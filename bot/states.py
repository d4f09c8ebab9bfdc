"""A conversation's past states, computed once per event instead of once per prediction.

Rasa 3.6 turns the whole tracker into its list of states (one per action) at every policy
prediction, several times per prediction (the rule policy with and without its rule-only turns,
the memoization policy), replaying every event of the conversation on a fresh tracker each time.
That is a fixed share of each prediction that grows with the conversation's length (measured
with py-spy under load: a fifth of the Rasa server's CPU).

The states are a function of the domain, the tracker's initial slots and its applied events
only. This module keeps, per conversation and per way of asking (the three arguments of
`past_states`), the replay of the events seen so far: when the tracker's applied events start
with the same event objects (the tracker store keeps trackers in memory, and Rasa's tracker
copies share their events), only the new events are replayed. When they do not (a rewind, a
restart, a tracker read again from the database), the states are computed from the start, as
Rasa does. Callers receive their own copies: Rasa's featurizers edit the states they get.
"""

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Hashable, List, Optional, Text, Tuple

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

MEMO_SIZE = 10_000  # conversations x ways of asking; an evicted one is replayed from the start

_original_past_states = DialogueStateTracker.past_states


@dataclass
class _Replay:
    """The states of a prefix of a conversation's applied events, and where the replay stands."""

    domain: Domain
    replayed: DialogueStateTracker  # a fresh tracker the events were applied to
    events: List[Event] = field(default_factory=list)
    states: List[State] = field(default_factory=list)  # one per action, cleaned
    last_ml_action: Optional[Dict[Text, Any]] = None
    turn_was_hidden: bool = False


_replays: "OrderedDict[Hashable, _Replay]" = OrderedDict()


def _key(
    tracker: DialogueStateTracker,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: Optional[Dict[Text, Any]],
) -> Hashable:
    rule_only: Tuple[Tuple[Text, Tuple[Any, ...]], ...] = tuple(
        sorted((name, tuple(values)) for name, values in (rule_only_data or {}).items())
    )
    return (
        tracker.sender_id,
        tracker.is_rule_tracker,
        omit_unset_slots,
        ignore_rule_only_turns,
        rule_only,
    )


def _continues(replay: _Replay, applied: List[Event], domain: Domain) -> bool:
    """Whether the applied events start with the very events already replayed."""
    seen = replay.events
    return (
        replay.domain is domain
        and len(seen) <= len(applied)
        and all(mine is theirs for mine, theirs in zip(seen, applied, strict=False))
    )


def _step(
    domain: Domain,
    replay: _Replay,
    states: List[State],
    hide_rule_turn: bool,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: Optional[Dict[Text, Any]],
) -> None:
    """One iteration of Rasa's `Domain.states_for_tracker_history`, on the replayed tracker."""
    tracker = replay.replayed
    if ignore_rule_only_turns:
        if not replay.turn_was_hidden:
            replay.last_ml_action = domain._get_prev_action_sub_state(tracker)
        if not tracker.followup_action and tracker.latest_action_name != tracker.active_loop_name:
            replay.turn_was_hidden = hide_rule_turn
        if replay.turn_was_hidden:
            return
    state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if replay.last_ml_action:
            state[PREVIOUS_ACTION] = replay.last_ml_action  # type: ignore[assignment]
    states.append(domain._clean_state(state))


def _copy(states: List[State]) -> List[State]:
    """Copies of the states and their sub-states, sharing what Rasa's own states share."""
    copies: Dict[int, Dict[Text, Any]] = {}
    result: List[State] = []
    for state in states:
        copied: Dict[Text, Any] = {}
        for name, sub_state in state.items():
            twin = copies.get(id(sub_state))
            if twin is None:
                twin = copies[id(sub_state)] = dict(sub_state)
            copied[name] = twin
        result.append(copied)  # type: ignore[arg-type]
    return result


def _applied_events(tracker: DialogueStateTracker) -> List[Event]:
    """The tracker's applied events, computed once per event added (the policies ask for the
    past states of the same tracker several times per prediction)."""
    events = tracker.events
    last = events[-1] if events else None
    known = tracker.__dict__.get("_applied_events")
    if known is not None and known[0] is events and known[1] == len(events) and known[2] is last:
        return known[3]  # type: ignore[no-any-return]
    applied = tracker.applied_events()
    tracker.__dict__["_applied_events"] = (events, len(events), last, applied)
    return applied


def past_states(
    self: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[Dict[Text, Any]] = None,
) -> List[State]:
    """Rasa's `DialogueStateTracker.past_states`, replaying only the events not seen yet."""
    if type(self) is not DialogueStateTracker:  # training's trackers keep their own caches
        return _original_past_states(
            self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )
    flags = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    key = _key(self, *flags)
    applied = _applied_events(self)
    replay = _replays.pop(key, None)
    if replay is None or not _continues(replay, applied, domain):
        replay = _Replay(domain=domain, replayed=self.init_copy())
    for event in applied[len(replay.events) :]:
        if isinstance(event, ActionExecuted):
            _step(domain, replay, replay.states, event.hide_rule_turn, *flags)
        replay.replayed.update(event)
        replay.events.append(event)
    _replays[key] = replay
    while len(_replays) > MEMO_SIZE:
        _replays.popitem(last=False)
    # The state after the last event is the caller's only: the next event may change it.
    states = list(replay.states)
    ending = _Replay(
        domain=domain,
        replayed=replay.replayed,
        last_ml_action=replay.last_ml_action,
        turn_was_hidden=replay.turn_was_hidden,
    )
    _step(domain, ending, states, False, *flags)
    return _copy(states)


def forget() -> None:
    """Drop every replay (tests, or a process that wants its memory back)."""
    _replays.clear()
