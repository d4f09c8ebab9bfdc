"""Rasa's SQL tracker store, with the trackers at rest kept in memory.

Rasa's SQLTrackerStore rebuilds the whole tracker from the database on every message and counts
the stored events before every save: on a long conversation that is most of the Rasa server's
time (measured with py-spy, see README "Performance"). This store keeps the trackers between
two messages in a bounded LRU cache and writes only the new events, so the database is written
exactly as before (same table, same rows) but read only after a restart or an eviction.

A cached tracker is taken out of the cache by `retrieve` and put back by `save`: Rasa's lock
store lets one message per conversation in at a time, so a request that fails between the two
simply leaves the next one to reload the tracker from the database. The cache is only valid when
one Rasa process owns the database (the default configuration), or when the processes that share
it say so with `shared: true`: Rasa shards (the gateway sends each conversation to one shard,
RASA_URLS) then check, before using a cached tracker, that the database holds no event written
since by another shard (one indexed count); if it does, the tracker is read again.

endpoints.yml:
    tracker_store:
      type: bot.tracker_store.CachedSQLTrackerStore
      dialect: sqlite
      db: var/rasa_tracker.db
      cache_size: 10000
"""

import itertools
import json
import logging
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Text

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import SingletonThreadPool

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SIZE = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    """Write-ahead log: readers never wait for the writer, commits need no full fsync."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class CachedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that keeps trackers in memory between messages and appends new events."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        dialect: Text = "sqlite",
        host: Optional[Text] = None,
        port: Optional[int] = None,
        db: Text = "rasa.db",
        username: Optional[Text] = None,
        password: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        login_db: Optional[Text] = None,
        query: Optional[Dict] = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        shared: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            domain, dialect, host, port, db, username, password, event_broker, login_db, query,
            **kwargs,
        )  # fmt: skip
        if dialect == "sqlite":
            # One long-lived connection per thread instead of one per session (NullPool).
            self.engine = sa.create_engine(self.engine.url, poolclass=SingletonThreadPool)
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sessionmaker(bind=self.engine)
        else:
            # A database server restarted: pooled connections are checked before use, so the
            # first message after the restart does not fail on a dead connection.
            self.engine = sa.create_engine(self.engine.url, pool_pre_ping=True)
            self.sessionmaker = sessionmaker(bind=self.engine)
        self.cache_size = int(cache_size)
        self._at_rest: "OrderedDict[Text, DialogueStateTracker]" = OrderedDict()
        self._stored: Dict[Text, int] = {}  # events of the tracker already in the database
        # Shared with other Rasa processes: the conversation's rows in the database, as this
        # process last wrote or read them (another process adding rows makes the cache stale).
        self.shared = bool(shared)
        self._rows: Dict[Text, int] = {}

    @property
    def caching(self) -> bool:
        """Whether trackers are cached (an event broker needs Rasa's own bookkeeping)."""
        return self.cache_size > 0 and self.event_broker is None

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """Return the cached tracker (taking it out of the cache) or load it from the database."""
        if not self.caching:
            return await super().retrieve(sender_id)
        tracker = self._at_rest.pop(sender_id, None)
        if tracker is not None and not self._stale(sender_id):
            return tracker
        if tracker is not None:
            logger.info("%s was served elsewhere since it was cached: read again", sender_id)
        tracker = await super().retrieve(sender_id)
        self._stored[sender_id] = len(tracker.events) if tracker is not None else 0
        if self.shared:
            self._rows[sender_id] = self._count_rows(sender_id)
        return tracker

    def _stale(self, sender_id: Text) -> bool:
        """Whether another process has written events of this conversation since we cached it."""
        return self.shared and self._count_rows(sender_id) != self._rows.get(sender_id)

    def _count_rows(self, sender_id: Text) -> int:
        with self.engine.connect() as connection:
            table = self.SQLEvent.__table__
            query = sa.select(sa.func.count()).where(table.c.sender_id == sender_id)
            return int(connection.execute(query).scalar_one())

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's new events to the database, then cache the tracker."""
        sender_id = tracker.sender_id
        if not self.caching or sender_id not in self._stored:
            await super().save(tracker)
            self._forget(sender_id)
            return
        stored = self._stored[sender_id]
        new_events = list(itertools.islice(tracker.events, stored, None))
        if new_events:
            self._insert(sender_id, new_events)
        self._stored[sender_id] = stored + len(new_events)
        if self.shared:
            self._rows[sender_id] = self._rows.get(sender_id, 0) + len(new_events)
        self._at_rest[sender_id] = tracker
        self._at_rest.move_to_end(sender_id)
        while len(self._at_rest) > self.cache_size:
            evicted, _ = self._at_rest.popitem(last=False)
            self._stored.pop(evicted, None)
            self._rows.pop(evicted, None)

    def _forget(self, sender_id: Text) -> None:
        self._at_rest.pop(sender_id, None)
        self._stored.pop(sender_id, None)
        self._rows.pop(sender_id, None)

    def _insert(self, sender_id: Text, events: List[Event]) -> None:
        """Write the events as Rasa's SQLTrackerStore does (same columns, same JSON)."""
        rows = []
        for e in events:
            data = e.as_dict()
            rows.append(
                {
                    "sender_id": sender_id,
                    "type_name": e.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": (data.get("parse_data") or {})
                    .get("intent", {})
                    .get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                }
            )
        with self.engine.begin() as connection:
            connection.execute(sa.insert(self.SQLEvent.__table__), rows)
