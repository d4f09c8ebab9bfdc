"""Fixtures shared by the suites that need the running stack (API and browser tests)."""

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator["object"]:
    """The whole stack, started once per test session with its own databases."""
    from tests.stack import Stack

    running = Stack(workdir=tmp_path_factory.mktemp("stack")).start()
    try:
        yield running
    finally:
        running.stop()
