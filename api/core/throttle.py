"""Counting attempts per key in a moving window (the `limits` library): in memory for one API
process, in Redis when several share the count.

In memory the synchronous storage is used: its calls never wait on I/O, and the asynchronous
one expires its windows with a worker-thread hop per key every 10 ms, which cost 7 % of the
API's CPU per message under load."""

import math
import time

from limits import RateLimitItem, parse, storage, strategies
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from api.core.errors import TooManyRequestsError


class Throttle:
    """Refuses a key once it has used its attempts in the window."""

    def __init__(self, *, redis_url: str | None) -> None:
        self._shared: MovingWindowRateLimiter | None = None
        self._local: strategies.MovingWindowRateLimiter | None = None
        if redis_url:
            url = redis_url.replace("redis://", "async+redis://", 1)
            self._shared = MovingWindowRateLimiter(RedisStorage(url, implementation="redispy"))
        else:
            self._local = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    async def _test(self, item: RateLimitItem, *key: str) -> bool:
        if self._shared is not None:
            return await self._shared.test(item, *key)
        assert self._local is not None
        return self._local.test(item, *key)

    async def _hit(self, item: RateLimitItem, *key: str) -> bool:
        if self._shared is not None:
            return await self._shared.hit(item, *key)
        assert self._local is not None
        return self._local.hit(item, *key)

    async def _reset_time(self, item: RateLimitItem, *key: str) -> float:
        if self._shared is not None:
            return (await self._shared.get_window_stats(item, *key)).reset_time
        assert self._local is not None
        return self._local.get_window_stats(item, *key).reset_time

    @staticmethod
    def limit(text: str) -> RateLimitItem:
        """A limit written as `limits` reads it ("10/15 minutes")."""
        return parse(text)

    async def check(self, item: RateLimitItem, *key: str, message: str) -> None:
        """Raise TooManyRequestsError (with Retry-After) if the key has no attempt left."""
        if await self._test(item, *key):
            return
        raise TooManyRequestsError(
            f"too many attempts for {key[0]}: {item}",
            message,
            retry_after=math.ceil(await self._reset_time(item, *key) - time.time()),
        )

    async def spend(self, item: RateLimitItem, *key: str, message: str) -> None:
        """Count one attempt, or raise TooManyRequestsError if the key has none left."""
        if not await self._hit(item, *key):
            await self.check(item, *key, message=message)

    async def hit(self, item: RateLimitItem, *key: str) -> None:
        """Count one attempt."""
        await self._hit(item, *key)

    async def clear(self, item: RateLimitItem, *key: str) -> None:
        """Forget the key's attempts (after a success)."""
        if self._shared is not None:
            await self._shared.clear(item, *key)
        elif self._local is not None:
            self._local.clear(item, *key)
