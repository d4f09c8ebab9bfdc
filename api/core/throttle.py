"""Counting attempts per key in a moving window (the `limits` library): in memory for one API
process, in Redis when several share the count.

In memory the synchronous storage is used: its calls never wait on I/O, and the asynchronous
one expires its windows with a worker-thread hop per key every 10 ms, which cost 7 % of the
API's CPU per message under load."""

import math
import time

from limits import RateLimitItem, WindowStats, parse, storage, strategies
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from api.core.errors import TooManyRequestsError


class _InProcessLimiter:
    """`limits`' synchronous moving window in memory, behind the asynchronous one's methods."""

    def __init__(self) -> None:
        self._limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    async def test(self, item: RateLimitItem, *key: str) -> bool:
        return self._limiter.test(item, *key)

    async def hit(self, item: RateLimitItem, *key: str) -> bool:
        return self._limiter.hit(item, *key)

    async def get_window_stats(self, item: RateLimitItem, *key: str) -> WindowStats:
        return self._limiter.get_window_stats(item, *key)

    async def clear(self, item: RateLimitItem, *key: str) -> None:
        self._limiter.clear(item, *key)


class Throttle:
    """Refuses a key once it has used its attempts in the window."""

    def __init__(self, *, redis_url: str | None) -> None:
        self._limiter: MovingWindowRateLimiter | _InProcessLimiter
        if redis_url:
            url = redis_url.replace("redis://", "async+redis://", 1)
            self._limiter = MovingWindowRateLimiter(RedisStorage(url, implementation="redispy"))
        else:
            self._limiter = _InProcessLimiter()

    @staticmethod
    def limit(text: str) -> RateLimitItem:
        """A limit written as `limits` reads it ("10/15 minutes")."""
        return parse(text)

    async def check(self, item: RateLimitItem, *key: str, message: str) -> None:
        """Raise TooManyRequestsError (with Retry-After) if the key has no attempt left."""
        if await self._limiter.test(item, *key):
            return
        stats = await self._limiter.get_window_stats(item, *key)
        raise TooManyRequestsError(
            f"too many attempts for {key[0]}: {item}",
            message,
            retry_after=math.ceil(stats.reset_time - time.time()),
        )

    async def spend(self, item: RateLimitItem, *key: str, message: str) -> None:
        """Count one attempt, or raise TooManyRequestsError if the key has none left."""
        if not await self._limiter.hit(item, *key):
            await self.check(item, *key, message=message)

    async def hit(self, item: RateLimitItem, *key: str) -> None:
        """Count one attempt."""
        await self._limiter.hit(item, *key)

    async def clear(self, item: RateLimitItem, *key: str) -> None:
        """Forget the key's attempts (after a success)."""
        await self._limiter.clear(item, *key)
