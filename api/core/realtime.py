"""Wake-up calls for the WebSocket connections: "something changed on this topic".

A notification carries no data: a woken connection reads what it has not sent yet from the
database (messages are stored before anyone is notified), so a missed or doubled wake-up
loses nothing and a reconnecting client gets everything after its last seen id.
"""

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

QUEUE_TOPIC = "queue"


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
        for topic in topics:
            for subscription in self._subscriptions.get(topic, ()):
                subscription.wake()
