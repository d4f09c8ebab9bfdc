"""Wake-up calls for the WebSocket connections: "something changed on this topic".

A notification carries no data: a woken connection reads what it has not sent yet from the
database (messages are stored before anyone is notified), so a missed or doubled wake-up
loses nothing and a reconnecting client gets everything after its last seen id.
"""

import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

logger = logging.getLogger("api.realtime")
QUEUE_TOPIC = "queue"
REDIS_CHANNEL = "assistant:realtime"
REDIS_RETRY_SECONDS = 1.0


def conversation_topic(conversation_id: str) -> str:
    """The topic woken when a conversation gets a message or changes status."""
    return f"conversation:{conversation_id}"


class Subscription:
    """A connection's interest in some topics; `wait` returns once any of them changed."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._event.set()  # a new subscriber first catches up on what it missed

    def wake(self) -> None:
        """Mark that something changed."""
        self._event.set()

    async def wait(self, timeout: float | None = None) -> bool:
        """Wait until something changed (or the timeout ran out); return whether it did."""
        try:
            async with asyncio.timeout(timeout):
                await self._event.wait()
        except TimeoutError:
            return False
        self._event.clear()
        return True


class Notifier:
    """In-process publish/subscribe of topic changes (one API process)."""

    def __init__(self) -> None:
        self._subscriptions: defaultdict[str, set[Subscription]] = defaultdict(set)

    @contextmanager
    def subscribe(self, *topics: str) -> Iterator[Subscription]:
        """Subscribe to topics for the duration of the block."""
        subscription = Subscription()
        self.follow(subscription, *topics)
        try:
            yield subscription
        finally:
            for topic in list(self._subscriptions):
                self.unfollow(subscription, topic)

    def follow(self, subscription: Subscription, *topics: str) -> None:
        """Add topics to a subscription."""
        for topic in topics:
            self._subscriptions[topic].add(subscription)
        subscription.wake()

    def unfollow(self, subscription: Subscription, topic: str) -> None:
        """Remove a topic from a subscription."""
        subscribers = self._subscriptions.get(topic)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscriptions[topic]

    def publish(self, *topics: str) -> None:
        """Wake every subscriber of these topics."""
        self.wake_local(*topics)

    def wake_local(self, *topics: str) -> None:
        """Wake the subscribers of these topics in this process."""
        for topic in topics:
            for subscription in self._subscriptions.get(topic, ()):
                subscription.wake()

    def wake_everyone(self) -> None:
        """Wake every subscriber of this process (after notifications may have been missed)."""
        for subscribers in self._subscriptions.values():
            for subscription in subscribers:
                subscription.wake()

    async def start(self) -> None:
        """Start what the notifier needs (nothing in process)."""

    async def aclose(self) -> None:
        """Stop what the notifier started."""


class RedisNotifier(Notifier):
    """Notifications shared by several API processes through Redis publish/subscribe.

    A notification lost while Redis is unreachable costs a delay, not a message: connections
    re-read the database at their next heartbeat, and everyone is woken once Redis is back.
    """

    def __init__(self, url: str) -> None:
        super().__init__()
        self._redis = redis.from_url(url)
        self._origin = uuid.uuid4().hex
        self._tasks: set[asyncio.Task[Any]] = set()
        self._listener: asyncio.Task[None] | None = None

    def publish(self, *topics: str) -> None:
        """Wake the subscribers of this process at once, and those of the others via Redis."""
        self.wake_local(*topics)
        task = asyncio.get_running_loop().create_task(self._send(list(topics)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, topics: list[str]) -> None:
        try:
            await self._redis.publish(
                REDIS_CHANNEL, json.dumps({"origin": self._origin, "topics": topics})
            )
        except (RedisError, OSError) as exc:
            logger.warning("could not publish %s to Redis: %s", topics, exc)

    async def start(self) -> None:
        """Listen to the other processes' notifications."""
        self._listener = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(REDIS_CHANNEL)
                    self.wake_everyone()  # what was published while we were not listening
                    async for message in pubsub.listen():
                        self._receive(message)
            except (RedisError, OSError) as exc:
                logger.warning("Redis notifications interrupted: %s", exc)
                await asyncio.sleep(REDIS_RETRY_SECONDS)

    def _receive(self, message: dict[str, Any]) -> None:
        if message.get("type") != "message":
            return
        try:
            data = json.loads(message["data"])
        except (ValueError, TypeError):
            return
        if isinstance(data, dict) and data.get("origin") != self._origin:
            self.wake_local(*[t for t in data.get("topics", []) if isinstance(t, str)])

    async def aclose(self) -> None:
        """Stop listening and close the connections."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()


def create_notifier(redis_url: str | None) -> Notifier:
    """The in-process notifier, or the Redis one when several API processes share the load."""
    return RedisNotifier(redis_url) if redis_url else Notifier()
