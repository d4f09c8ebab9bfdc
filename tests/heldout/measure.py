"""Ask the held-out questions through the real bot, as the widget does, and count the outcomes.

Each question opens a new conversation: the greeting, then the question typed. The first reply
answers directly (a message carries a knowledge entry), suggests entries (buttons that open
entries), or neither. The questions (tests/heldout/questions.yml) were written from the seeds by
someone who never saw the knowledge entries, their reformulations or the training data, and they
are never used to tune anything.

`python -m tests.heldout.measure` starts a stack and prints the figures and the misses (markdown,
for docs/retrieval.md).
"""

import asyncio
import json
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests import tokens

QUESTIONS = Path(__file__).resolve().parent / "questions.yml"
CONCURRENCY = 8


@dataclass(frozen=True)
class Outcome:
    """What the bot did with one question."""

    text: str
    expected: tuple[str, ...]
    direct: str | None
    suggested: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        return bool(self.expected)


@dataclass
class Report:
    """The outcomes and their rates."""

    outcomes: list[Outcome] = field(default_factory=list)

    def _share(self, answerable: bool, hit: Any) -> float:
        pool = [o for o in self.outcomes if o.answerable is answerable]
        return sum(1 for o in pool if hit(o)) / max(len(pool), 1)

    @property
    def direct(self) -> float:
        return self._share(True, lambda o: o.direct in o.expected)

    @property
    def direct_or_suggested(self) -> float:
        return self._share(
            True, lambda o: o.direct in o.expected or set(o.suggested) & set(o.expected)
        )

    @property
    def wrong_answerable(self) -> float:
        return self._share(True, lambda o: o.direct is not None and o.direct not in o.expected)

    @property
    def wrong_unanswerable(self) -> float:
        return self._share(False, lambda o: o.direct is not None)

    def markdown(self) -> str:
        """The figures and the misses, for docs/retrieval.md."""
        answerable = sum(1 for o in self.outcomes if o.answerable)
        lines = [
            f"{len(self.outcomes)} questions, {answerable} answered by an entry, "
            f"{len(self.outcomes) - answerable} by none.",
            "",
            "| measure | rate | floor |",
            "|---|---|---|",
            f"| right entry directly (answerable) | {self.direct:.1%} | ≥ 60 % |",
            f"| right entry directly or suggested (answerable) | {self.direct_or_suggested:.1%} "
            "| ≥ 85 % |",
            f"| wrong entry directly (answerable) | {self.wrong_answerable:.1%} | ≤ 5 % |",
            f"| an entry directly (unanswerable) | {self.wrong_unanswerable:.1%} | ≤ 10 % |",
            "",
            "Misses (expected → what the bot did):",
            "",
        ]
        for o in self.outcomes:
            right = o.direct in o.expected if o.answerable else o.direct is None
            if not right:
                did = f"answered {o.direct}" if o.direct else f"suggested {list(o.suggested)}"
                lines.append(f"- « {o.text} »: {list(o.expected) or 'no entry'} → {did}")
        return "\n".join(lines)


def load_questions(path: Path = QUESTIONS) -> list[tuple[str, tuple[str, ...]]]:
    """(text, entries that answer it) of the held-out questions."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(q["text"], tuple(q.get("entries") or ())) for q in data["questions"]]


def _opened_entry(button: dict[str, str]) -> str | None:
    payload = button.get("payload", "")
    if not payload.startswith("/open_entry{"):
        return None
    return str(json.loads(payload[len("/open_entry") :]).get("entry_id"))


async def ask(client: httpx.AsyncClient, text: str, expected: tuple[str, ...]) -> Outcome:
    """Greet, then type the question; read the first reply."""
    url = f"/api/v1/conversations/heldout-{uuid.uuid4().hex}/messages"
    greeting = await client.post(url, json={"payload": "/greet"})
    greeting.raise_for_status()
    response = await client.post(url, json={"text": text})
    response.raise_for_status()
    messages = response.json()["messages"]
    direct = next((m["entry_id"] for m in messages if m.get("entry_id")), None)
    suggested = tuple(
        e for m in messages for b in m.get("buttons") or [] if (e := _opened_entry(b))
    )
    return Outcome(text, expected, direct, () if direct else suggested)


async def measure(client: httpx.AsyncClient, path: Path = QUESTIONS) -> Report:
    """Ask every question of the set, a few conversations at a time."""
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one(text: str, expected: tuple[str, ...]) -> Outcome:
        async with slots:
            return await ask(client, text, expected)

    questions = load_questions(path)
    return Report(list(await asyncio.gather(*(one(t, e) for t, e in questions))))


def main() -> int:
    """Start a stack, measure, print the markdown (`--questions FILE` for another set)."""
    from tests.stack import Stack

    path = (
        Path(sys.argv[sys.argv.index("--questions") + 1])
        if "--questions" in sys.argv
        else QUESTIONS
    )

    with tempfile.TemporaryDirectory() as workdir:
        stack = Stack(workdir=Path(workdir)).start()
        try:

            async def run() -> Report:
                async with tokens.client(base_url=stack.api_url, timeout=30) as client:
                    return await measure(client, path)

            print(asyncio.run(run()).markdown())
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
