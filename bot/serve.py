"""Run the Rasa CLI with six performance fixes measured with py-spy (see README "Performance")
and one of behaviour (3).

1. Rasa 3.6 checks every action-server response with `jsonschema.validate`, which first re-checks
   the JSON schema itself: under load that was most of the Rasa server's CPU. Valid responses now
   go through validators compiled once, each event against its own type only; invalid ones
   still go through Rasa's own check, so errors and messages are exactly Rasa's.
2. Rasa opens a new HTTP session, hence a new TCP connection, for every call to the action
   server. Calls now share one session per event loop, whose idle connections are dropped
   before the action server's keep-alive timeout (Sanic: 5 s) can close them under it; their
   JSON (the whole tracker) is written by ujson, in a third of json's time.
3. When the tracker store fails (its database restarting), Rasa 3.6 answers from an empty
   in-memory tracker: the conversation silently loses its state (a form in progress, the
   domain). The message now fails instead: api/ answers the French 503 with the message kept,
   and the next message finds the conversation as it was.
4. The prediction graph (NLU parse, policies) runs node after node in an order computed once
   (bot/graph_runner.py) instead of being scheduled by dask at every parse and prediction.
5. The logistic regression builds its input from the sentence features only: Rasa's version also
   deep-copied and joined the (much larger) sequence features of every message, then dropped them;
   its weights are kept column-major, so that scikit-learn no longer copies their transpose at
   every parse.
6. A conversation's past states (what the policies read) are computed once per event, not
   replayed from the first event at every prediction (bot/states.py).
7. The NLU parse of a short text ("oui", "merci", "bonjour") is kept per loaded model and
   reused: users repeat these exact words, and the parse depends only on the text and the model
   (a new model gets a new processor, hence an empty cache).

    python -m bot.serve run --model models/current.tar.gz ...   (same arguments as `rasa`)
"""

import asyncio
import copy
import json
import sys
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

import aiohttp
import numpy as np
import rasa.core.processor
import ujson
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig
from scipy.sparse import csr_matrix, hstack, vstack

from bot import states
from bot.graph_runner import SequentialGraphRunner

_original: Callable[[RemoteAction, Dict[Text, Any]], bool] = RemoteAction._validate_action_result
_original_parse = MessageProcessor._parse_message_with_graph
_original_load = LogisticRegressionClassifier.load.__func__  # type: ignore[attr-defined]
SHORT_TEXT = 24  # characters: "oui", "merci beaucoup", "bonjour", not questions
PARSE_CACHE_SIZE = 4096
KEEPALIVE_SECONDS = 3.0
_sessions: Dict[Tuple[int, Any], aiohttp.ClientSession] = {}


class _SharedSession:
    """Context manager handing out a shared session without closing it on exit."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *_: Any) -> None:
        return None


def _dumps(data: Any) -> str:
    """JSON of an action call with ujson (a third of json's time on trackers); what ujson
    refuses (NaN, infinities) goes through json as Rasa's own session would send it."""
    try:
        return str(ujson.dumps(data, ensure_ascii=False, escape_forward_slashes=False))
    except (OverflowError, TypeError, ValueError):
        return json.dumps(data)


def shared_session(endpoint: EndpointConfig) -> _SharedSession:
    """Return the event loop's session for this endpoint's headers and credentials."""
    auth: Optional[aiohttp.BasicAuth] = None
    if endpoint.basic_auth:
        auth = aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
    key = (id(asyncio.get_running_loop()), (tuple(sorted(endpoint.headers.items())), auth))
    session = _sessions.get(key)
    if session is None or session.closed:
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
            json_serialize=_dumps,
        )
        _sessions[key] = session
    return _SharedSession(session)


def install() -> None:
    """Install the fixes (idempotent)."""
    EndpointConfig.session = shared_session  # type: ignore[assignment,method-assign]
    is_valid = response_checker(RemoteAction.action_response_format_spec())

    def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        if is_valid(result):
            return True
        return _original(self, result)

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[assignment]
    MessageProcessor._parse_message_with_graph = _parse_short_once  # type: ignore[method-assign]
    FailSafeTrackerStore.retrieve = _retrieve_or_fail  # type: ignore[method-assign]
    FailSafeTrackerStore.save = _save_or_fail  # type: ignore[method-assign]
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]
    LogisticRegressionClassifier._create_X = sentence_matrix  # type: ignore[method-assign]
    LogisticRegressionClassifier.load = classmethod(_load_with_fortran_weights)  # type: ignore[method-assign,assignment]
    DialogueStateTracker.past_states = states.past_states  # type: ignore[method-assign]


def response_checker(schema: Dict[Text, Any]) -> Callable[[Any], bool]:
    """Whether an action-server response is valid against Rasa's schema, checked by compiled
    validators. Each event must match exactly one of the schema's 23 event types (`oneOf`),
    which a generic validator checks by trying all of them on every event; as each type fixes
    `event` to a distinct constant, an event is checked against its own type only: valid for
    one type, it is invalid for every other. An event of no known type is checked by the full
    schema (and refused, as Rasa refuses it)."""
    full = validator_for(schema)(schema)
    events = schema.get("properties", {}).get("events", {})
    items = events.get("items", {})
    branches = items.get("oneOf", [])
    kinds = [b.get("properties", {}).get("event", {}).get("const") for b in branches]
    if not branches or None in kinds or len(set(kinds)) != len(kinds):
        return full.is_valid  # not the schema this shortcut was made for
    outer = copy.deepcopy(schema)
    outer["properties"]["events"] = {k: v for k, v in events.items() if k != "items"}
    base = {k: v for k, v in items.items() if k != "oneOf"}
    by_kind = {
        kind: validator_for(schema)({**base, "allOf": [branch]})
        for kind, branch in zip(kinds, branches, strict=True)
    }
    check_outer = validator_for(schema)(outer).is_valid

    def is_valid(response: Any) -> bool:
        if not check_outer(response):
            return False
        for event in response.get("events") or [] if isinstance(response, dict) else []:
            kind = event.get("event") if isinstance(event, dict) else None
            checker = by_kind.get(kind) if isinstance(kind, str) else None
            if checker is None:
                return bool(full.is_valid(response))
            if not checker.is_valid(event):
                return False
        return True

    return is_valid


def sentence_matrix(self: LogisticRegressionClassifier, messages: List[Message]) -> csr_matrix:
    """The classifier's input as Rasa builds it (each message's sparse sentence features side by
    side, then its dense ones), without building the sequence features it does not read."""
    rows = []
    for message in messages:
        sentence = [
            f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE
        ]
        parts = [f.features for f in sentence if f.is_sparse()]
        dense = [f.features for f in sentence if f.is_dense()]
        if dense:
            parts.append(csr_matrix(np.concatenate(dense, axis=-1)))
        rows.append(hstack(parts, format="csr") if parts else csr_matrix((1, 0)))
    return rows[0] if len(rows) == 1 else vstack(rows, format="csr")


def _load_with_fortran_weights(
    cls: type, *args: Any, **kwargs: Any
) -> LogisticRegressionClassifier:
    """Rasa's `load`, the weights then stored column-major, once: scikit-learn multiplies by
    their transpose, which row-major weights made a copy of at every parse."""
    component: LogisticRegressionClassifier = _original_load(cls, *args, **kwargs)
    clf = getattr(component, "clf", None)
    if clf is not None and hasattr(clf, "coef_"):
        clf.coef_ = np.asfortranarray(clf.coef_)
    return component


def _parse_short_once(
    self: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker,
    only_output_properties: bool = True,
) -> Dict[Text, Any]:
    """The graph's parse of the message; a short text's is computed once per processor."""
    text = message.text or ""
    if len(text) > SHORT_TEXT or text.startswith("/") or not only_output_properties:
        return _original_parse(self, message, tracker, only_output_properties)
    cache: "OrderedDict[Text, Dict[Text, Any]]" = self.__dict__.setdefault(
        "_short_parses", OrderedDict()
    )
    parsed = cache.get(text)
    if parsed is None:
        parsed = _original_parse(self, message, tracker, only_output_properties)
        cache[text] = parsed
        if len(cache) > PARSE_CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(text)
    return copy.deepcopy(parsed)


async def _retrieve_or_fail(
    self: FailSafeTrackerStore, sender_id: Text
) -> Optional[DialogueStateTracker]:
    """The tracker from the configured store; its error reaches the caller (no empty stand-in)."""
    return await self._tracker_store.retrieve(sender_id)


async def _save_or_fail(self: FailSafeTrackerStore, tracker: DialogueStateTracker) -> None:
    """Save in the configured store; its error reaches the caller (nothing kept aside)."""
    await self._tracker_store.save(tracker)


def main() -> None:
    """Install the fix, then hand over to Rasa's command line."""
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
