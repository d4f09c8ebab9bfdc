"""What time it is: injected so that tests can set it (opening hours, waiting times)."""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)
