"""The scaled-out configuration, started once for the fault tests."""

from collections.abc import Iterator

import pytest

from tests.scaled.harness import Scaled, running_scaled


@pytest.fixture(scope="session")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scaled]:
    with running_scaled(tmp_path_factory.mktemp("scaled")) as started:
        yield started
