"""Run every test suite of the project, in order, and report each one; exit 1 if any failed."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / ".venv-api" / "bin"
BOT = ROOT / ".venv-bot" / "bin"
RESULTS = ROOT / "var" / "test-results"

# The scaled-out configuration's database: the PostgreSQL every development and CI machine runs.
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)

SUITES: list[tuple[str, list[list[str]]]] = [
    (
        "lint: ruff, mypy and the import layers",
        [
            [f"{API}/ruff", "check", "."],
            [f"{API}/ruff", "format", "--check", "."],
            [f"{API}/mypy"],
            [f"{API}/lint-imports"],
        ],
    ),
    ("Rasa training data validation", [[f"{BOT}/rasa", "data", "validate"]]),
    (
        "action and bot component tests (Python 3.10)",
        [[f"{BOT}/python", "-m", "pytest", "-q", "tests/actions", "tests/bot"]],
    ),
    (
        "Rasa test stories",
        [
            [
                f"{BOT}/rasa",
                "test",
                "core",
                "--model",
                "models/current.tar.gz",
                "--stories",
                "tests/stories",
                "--fail-on-prediction-errors",
                "--out",
                str(RESULTS / "stories"),
            ]
        ],
    ),
    (
        "API, knowledge base and browser tests (Python 3.12)",
        [
            [
                f"{API}/python",
                "-m",
                "pytest",
                "-q",
                "tests/api",
                "tests/knowledge_base",
                "tests/browser",
                "tests/heldout",
            ]
        ],
    ),
    (
        "conversation, LiveChat, FSD, review and statistics API tests on PostgreSQL (scaled-out configuration)",
        [
            [
                "env",
                f"TEST_DATABASE_URL={POSTGRES_URL}",
                f"{API}/python",
                "-m",
                "pytest",
                "-q",
                "tests/api/chat",
                "tests/api/conversations",
                "tests/api/handoff",
                "tests/api/fsd",
                "tests/api/review",
                "tests/api/stats",
                "tests/api/training/test_model_api.py",
            ]
        ],
    ),
    (
        "scaled-out configuration under faults (nginx, 2 API processes, 2 Rasa shards, "
        "PostgreSQL, Redis)",
        [[f"{API}/python", "-m", "pytest", "-q", "tests/scaled"]],
    ),
]


# endpoints.yml reads the action server's URL from the environment (see Procfile).
ENV = {"ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook", **os.environ}


def run_suite(commands: list[list[str]]) -> bool:
    """Run a suite's commands in order; return whether all succeeded."""
    return all(subprocess.run(command, cwd=ROOT, env=ENV).returncode == 0 for command in commands)


def main() -> int:
    """Run every suite, print a summary, return the exit code."""
    outcomes: list[tuple[str, bool, float]] = []
    for number, (name, commands) in enumerate(SUITES, start=1):
        print(f"\n==> [{number}/{len(SUITES)}] {name}", flush=True)
        started = time.monotonic()
        outcomes.append((name, run_suite(commands), time.monotonic() - started))
    print("\n==> Summary")
    for name, passed, seconds in outcomes:
        print(f"  {'ok    ' if passed else 'FAILED'} {name} ({seconds:.0f} s)")
    failed = sum(not passed for _, passed, _ in outcomes)
    print(f"suites: {len(outcomes) - failed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
