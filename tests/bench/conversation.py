"""Load test of the public conversation endpoint, against a plain `rasa init` assistant.

Starts its own stack (Rasa, action server, API) on free ports with throw-away databases and
runs three measurements:
1. load: N concurrent conversations of a mix of greetings, button payloads, typed questions and
   pasted errors, through the API gateway, for a bounded time;
2. flatness: a few conversations of 40 turns one after the other, without load, to check the
   time per message does not grow along a conversation;
3. baseline: the assistant `rasa init` creates (Rasa's default configuration: DIET, TED,
   memoization, rules), started with `rasa run` and driven through its REST channel under the
   same load. Its project is created once in var/bench/ and reused.

It prints messages/s and latency percentiles, the ratio to the baseline, and whether the targets
are met (exit status 1 when one is missed).
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests import tokens
from tests.bench import cpu
from tests.stack import BOT_BIN, ROOT, START_TIMEOUT_SECONDS, Stack, free_port, wait_until

# A French mix as users write it: 7 typed turns of 10 (greetings, questions, a pasted error, a
# yes, thanks), 3 buttons.
TURNS: list[dict[str, str]] = [
    {"payload": "/greet"},
    {"text": "bonjour"},
    {"payload": "/connexion"},
    {"text": "je n'arrive plus à me connecter à chorus pro, mot de passe refusé"},
    {
        "text": "Erreur dans le système de gestion : Poste de pièce 1508892764/00003 n'a pas "
        "encore été reporté dans exercice en cours"
    },
    {"text": "oui"},
    {"payload": "/ej"},
    {"text": "comment créer une fiche service desk ?"},
    {"text": "où en est le service fait de ma facture ?"},
    {"text": "merci beaucoup"},
]
TYPED_SHARE = sum("text" in turn for turn in TURNS) / len(TURNS)
# The conversation of Rasa's own moodbot, for the `rasa init` baseline.
BASELINE_TURNS = [
    "hello",
    "I am sad",
    "yes",
    "great",
    "hi there",
    "I am very happy",
    "are you a bot?",
    "goodbye",
]
BASELINE_DIR = ROOT / "var" / "bench" / "rasa-init"
TARGET_RATIO = 4.0
TARGET_P99_SECONDS = 1.0
TARGET_FLATNESS = 1.5
TARGET_CPU_MS = 20.0  # summed over the API, Rasa and the action server, per message


class Driver:
    """The load generator's HTTP client. aiohttp rather than httpx: it shares the two cores
    with the servers it measures, and httpx took ten times aiohttp's CPU per request. Like the
    widget, it sends back each conversation's token, taken from the reply that created it."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._tokens: dict[str, str] = {}

    async def post(self, path: str, body: Any, conversation_id: str | None = None) -> int:
        """POST a JSON body; return the status (the body is read, a new token kept)."""
        headers = {}
        if conversation_id in self._tokens:
            headers[tokens.HEADER] = self._tokens[conversation_id]  # type: ignore[index]
        async with self._session.post(
            self._base_url + path, json=body, headers=headers
        ) as response:
            data = await response.json(content_type=None)
            if conversation_id and isinstance(data, dict) and data.get("conversation_token"):
                self._tokens[conversation_id] = data["conversation_token"]
            return response.status


Send = Callable[[Driver, str, int], Awaitable[int]]


@dataclass
class Results:
    """Latencies (seconds) of successful requests, with their turn index, and errors."""

    latencies: list[tuple[int, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    cpu_ms: dict[str, float] = field(default_factory=dict)  # per message, by process
    driver_cpu_ms: float = 0.0  # per message, the load generator's own
    rss_mb: dict[str, float] = field(default_factory=dict)  # resident memory after the run

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(latency for _, latency in self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


async def send_to_api(driver: Driver, conversation_id: str, turn: int) -> int:
    """Send the turn's message to the API gateway's conversation endpoint."""
    body = TURNS[turn % len(TURNS)]
    path = f"/api/v1/conversations/{conversation_id}/messages"
    return await driver.post(path, body, conversation_id)


async def send_to_rasa(driver: Driver, conversation_id: str, turn: int) -> int:
    """Send the turn's message to a Rasa server's REST channel."""
    body = {"sender": conversation_id, "message": BASELINE_TURNS[turn % len(BASELINE_TURNS)]}
    return await driver.post("/webhooks/rest/webhook", body)


async def conversation(
    driver: Driver, send: Send, turns: int, deadline: float, results: Results
) -> None:
    """Run one conversation of `turns` messages (or until the deadline)."""
    conversation_id = uuid.uuid4().hex
    for turn in range(turns):
        if time.monotonic() >= deadline:
            return
        started = time.monotonic()
        try:
            status = await send(driver, conversation_id, turn)
            if status == 200:
                results.latencies.append((turn, time.monotonic() - started))
            else:
                results.errors.append(f"HTTP {status}")
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            results.errors.append(type(exc).__name__)


async def load(
    base_url: str,
    send: Send,
    *,
    concurrency: int,
    turns: int,
    seconds: float,
    pids: Mapping[str, int],
) -> Results:
    """Drive `concurrency` conversations back to back for `seconds`; CPU of `pids` meanwhile."""
    results = Results()
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=60.0),
        connector=aiohttp.TCPConnector(limit=concurrency, keepalive_timeout=3.0),
    ) as session:
        driver = Driver(session, base_url)
        await conversation(driver, send, 2, time.monotonic() + 30, Results())  # warm-up
        before = cpu.snapshot(pids)
        own_before = time.process_time()
        started = time.monotonic()
        deadline = started + seconds

        async def worker() -> None:
            while time.monotonic() < deadline:
                await conversation(driver, send, turns, deadline, results)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        results.elapsed = time.monotonic() - started
        answered = max(len(results.latencies), 1)
        results.driver_cpu_ms = (time.process_time() - own_before) * 1000 / answered
        results.cpu_ms = cpu.per_message_ms(before, cpu.snapshot(pids), len(results.latencies))
        results.rss_mb = {name: cpu.rss_mb(pid) for name, pid in pids.items()}
    return results


async def flatness(base_url: str, *, conversations: int, turns: int) -> list[float]:
    """Median latency (seconds) of each turn over conversations run one after the other."""
    per_turn: list[list[float]] = [[] for _ in range(turns)]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60.0)) as session:
        driver = Driver(session, base_url)
        for _ in range(conversations):
            conversation_id = uuid.uuid4().hex
            for turn in range(turns):
                started = time.perf_counter()
                status = await send_to_api(driver, conversation_id, turn)
                if status != 200:
                    raise RuntimeError(f"turn {turn} of a conversation without load: HTTP {status}")
                per_turn[turn].append(time.perf_counter() - started)
    return [statistics.median(values) for values in per_turn]


def report(title: str, results: Results) -> None:
    """Print throughput and latency percentiles."""
    print(f"\n{title}")
    if not results.latencies:
        print(f"  no successful request; errors: {results.errors[:5]}")
        return
    print(
        f"  messages/s  {results.rate:8.1f}   ({len(results.latencies)} in "
        f"{results.elapsed:.1f} s, {len(results.errors)} errors)"
    )
    print(
        f"  latency ms  p50 {results.percentile(0.5) * 1000:7.1f}   "
        f"p95 {results.percentile(0.95) * 1000:7.1f}   "
        f"p99 {results.percentile(0.99) * 1000:7.1f}"
    )
    if results.cpu_ms:
        shown = "   ".join(f"{name} {ms:.1f}" for name, ms in results.cpu_ms.items())
        print(
            f"  CPU ms/msg  {shown}   (counted: {counted_cpu(results):.1f}; "
            f"load generator {results.driver_cpu_ms:.1f})"
        )
        memory = "   ".join(f"{name} {mb:.0f}" for name, mb in results.rss_mb.items())
        print(f"  memory MiB  {memory}")


def counted_cpu(results: Results) -> float:
    """CPU ms per message of the API, Rasa and action server processes (nginx aside)."""
    return sum(
        ms for name, ms in results.cpu_ms.items() if name.startswith(("api", "rasa", "actions"))
    )


def baseline_model() -> Path:
    """Return the `rasa init` assistant's model, creating and training the project once."""
    models = sorted((BASELINE_DIR / "models").glob("*.tar.gz"))
    if models:
        return models[-1]
    print("==> Creating the plain `rasa init` assistant (once, about 2 minutes)", flush=True)
    BASELINE_DIR.mkdir(parents=True, exist_ok=True)
    with (BASELINE_DIR.parent / "rasa-init.log").open("wb") as log:
        subprocess.run(
            [str(BOT_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(BASELINE_DIR)],
            cwd=BASELINE_DIR,
            check=True,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
    return sorted((BASELINE_DIR / "models").glob("*.tar.gz"))[-1]


def run_baseline(*, concurrency: int, turns: int, seconds: float, workdir: Path) -> Results:
    """Start `rasa run` on the `rasa init` assistant and load it through its REST channel."""
    model = baseline_model()
    port = free_port()
    with (workdir / "baseline.log").open("wb") as log:
        process = subprocess.Popen(
            [
                str(BOT_BIN / "rasa"),
                "run",
                "--model",
                str(model),
                "--port",
                str(port),
                "--interface",
                "127.0.0.1",
            ],
            cwd=BASELINE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until(f"{url}/", timeout=START_TIMEOUT_SECONDS, processes={"rasa": process})
            return asyncio.run(
                load(
                    url,
                    send_to_rasa,
                    concurrency=concurrency,
                    turns=turns,
                    seconds=seconds,
                    pids={"rasa": process.pid},
                )
            )
        finally:
            process.terminate()
            process.wait(timeout=30)


@contextmanager
def deployment(
    workdir: Path, *, scaled: bool, shards: int = 2
) -> Iterator[tuple[str, dict[str, int]]]:
    """Start the configuration to measure; yield its URL and the pids whose CPU is counted."""
    if scaled:
        from tests.scaled.harness import running_scaled

        print("==> Starting the scaled-out configuration (ops/scaled.py)", flush=True)
        with running_scaled(workdir / "scaled", shards=shards) as running:
            measured = [p for p in running.programs() if p != "ready"]
            yield running.url, {program: running.pid(program) for program in measured}
        return
    stack = Stack(workdir=workdir)
    print("==> Starting the stack (Rasa, action server, API)", flush=True)
    stack.start()
    try:
        yield stack.api_url, {name: process.pid for name, process in stack.processes.items()}
    finally:
        stack.stop()


FOOTPRINT = (
    ("chorus_scaled_test", "messages"),
    ("chorus_scaled_test", "conversations"),
    ("chorus_rasa_scaled_test", "events"),
)


async def print_footprint() -> None:
    """Rows and bytes (table + indexes) per row of the biggest tables, for docs/capacity.md."""
    import asyncpg  # type: ignore[import-untyped]

    print("\nPostgreSQL after the run (table + indexes):")
    for database, table in FOOTPRINT:
        connection = await asyncpg.connect(host="127.0.0.1", user="postgres", database=database)
        try:
            rows = await connection.fetchval(f"SELECT count(*) FROM {table}")
            heap = await connection.fetchval("SELECT pg_table_size($1::regclass)", table)
            indexes = await connection.fetchval("SELECT pg_indexes_size($1::regclass)", table)
        finally:
            await connection.close()
        print(
            f"  {database}.{table}: {rows} rows, {heap / max(rows, 1):.0f} B/row + "
            f"{indexes / max(rows, 1):.0f} B/row of indexes"
        )


def verdict(name: str, ok: bool, detail: str) -> bool:
    print(f"  {'met   ' if ok else 'MISSED'}  {name}: {detail}")
    return ok


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--turns", type=int, default=len(TURNS))
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--long-turns", type=int, default=40)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--scaled",
        action="store_true",
        help="measure the scaled-out configuration (ops/scaled.py: nginx, 2 API processes, "
        "2 Rasa shards and their action servers, PostgreSQL, Redis) instead of the default one",
    )
    parser.add_argument(
        "--shards", type=int, default=2, help="Rasa shards of the scaled configuration"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        workdir = Path(name)
        with deployment(workdir, scaled=args.scaled, shards=args.shards) as (url, pids):
            print(
                f"==> Load: {args.concurrency} concurrent conversations of {args.turns} turns "
                f"({TYPED_SHARE:.0%} typed) for {args.seconds:.0f} s",
                flush=True,
            )
            ours = asyncio.run(
                load(
                    url,
                    send_to_api,
                    concurrency=args.concurrency,
                    turns=args.turns,
                    seconds=args.seconds,
                    pids=pids,
                )
            )
            print(f"==> Flatness: 4 conversations of {args.long_turns} turns, no load", flush=True)
            medians = asyncio.run(flatness(url, conversations=4, turns=args.long_turns))
            if args.scaled:
                asyncio.run(print_footprint())
        base = None
        if not args.no_baseline:
            print("==> Baseline: plain `rasa init` assistant, same load", flush=True)
            base = run_baseline(
                concurrency=args.concurrency,
                turns=args.turns,
                seconds=args.seconds,
                workdir=workdir,
            )

    report("Assistant (API gateway + Rasa + action server + databases)", ours)
    last_cycle = medians[-len(TURNS) :]
    first_cycle = medians[: len(TURNS)]
    growth = statistics.mean(last_cycle) / statistics.mean(first_cycle)
    print(
        f"\nAlong a conversation of {len(medians)} turns (median of 4, no load): turn 1 "
        f"{medians[0] * 1000:.1f} ms, turn {len(medians)} {medians[-1] * 1000:.1f} ms; "
        f"last {len(TURNS)} turns / first {len(TURNS)} (same messages): {growth:.2f}x"
    )
    ok = True
    if base is not None:
        report("Plain `rasa init` assistant (Rasa REST channel)", base)
        ratio = ours.rate / base.rate if base.rate else float("inf")
        print(f"\nThroughput ratio: {ratio:.1f}x the plain assistant")
        print("\nTargets")
        ok &= verdict("throughput", ratio >= TARGET_RATIO, f"{ratio:.1f}x (>= {TARGET_RATIO}x)")
    else:
        print("\nTargets")
    ok &= verdict(
        "p99",
        ours.percentile(0.99) <= TARGET_P99_SECONDS,
        f"{ours.percentile(0.99) * 1000:.0f} ms (<= {TARGET_P99_SECONDS * 1000:.0f} ms)",
    )
    ok &= verdict("errors", not ours.errors, f"{len(ours.errors)}")
    ok &= verdict(
        "CPU per message",
        counted_cpu(ours) <= TARGET_CPU_MS,
        f"{counted_cpu(ours):.1f} ms summed over the API, Rasa and the action server "
        f"(<= {TARGET_CPU_MS:.0f} ms)",
    )
    ok &= verdict(
        "flat latency",
        medians[-1] <= TARGET_FLATNESS * medians[0] and growth <= TARGET_FLATNESS,
        f"turn {len(medians)} / turn 1 = {medians[-1] / medians[0]:.2f}, "
        f"last / first cycle = {growth:.2f} (<= {TARGET_FLATNESS})",
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
