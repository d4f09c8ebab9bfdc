"""Fixtures shared by the suites that need the running stack (API and browser tests)."""

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator["object"]:
    """The whole stack, started once per test session with its own databases."""
    from tests.stack import Stack

    running = Stack(workdir=tmp_path_factory.mktemp("stack")).start()
    # Apps built in process (tests/api) read Rasa's token from the environment, as in production.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RASA_TOKEN", running.rasa_token)
        try:
            yield running
        finally:
            running.stop()
