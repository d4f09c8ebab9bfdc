"""Load test of the public conversation endpoint: N concurrent conversations on loopback.

Starts its own stack (Rasa, action server, API) on free ports with throw-away databases, runs
conversations of a mix of greetings, button payloads, typed questions and pasted errors for a
bounded time, and prints messages/s and latency percentiles.
"""

import argparse
import asyncio
import itertools
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.stack import Stack

TURNS: list[dict[str, str]] = [
    {"payload": "/greet"},
    {"payload": "/connexion"},
    {"text": "je n'arrive plus à me connecter à chorus pro, mot de passe refusé"},
    {"payload": "/ej"},
    {
        "text": "Erreur dans le système de gestion : Poste de pièce 1508892764/00003 n'a pas encore été reporté dans exercice en cours"
    },
    {"text": "comment créer une fiche service desk ?"},
    {"payload": "/formation"},
    {"text": "merci beaucoup"},
]


@dataclass
class Results:
    """Latencies (seconds) of successful requests, with their turn index, and errors."""

    latencies: list[tuple[int, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def percentile(values: list[float], fraction: float) -> float:
    """Return the value below which `fraction` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def conversation(
    client: httpx.AsyncClient, turns: int, deadline: float, results: Results
) -> int:
    """Run one conversation of `turns` messages (or until the deadline); return messages sent."""
    conversation_id = uuid.uuid4().hex
    sent = 0
    for index, body in zip(range(turns), itertools.cycle(TURNS), strict=False):
        if time.monotonic() >= deadline:
            break
        started = time.monotonic()
        try:
            response = await client.post(
                f"/api/v1/conversations/{conversation_id}/messages", json=body
            )
            if response.status_code == 200:
                results.latencies.append((index, time.monotonic() - started))
            else:
                results.errors.append(f"HTTP {response.status_code}")
        except httpx.HTTPError as exc:
            results.errors.append(type(exc).__name__)
        sent += 1
    return sent


async def worker(client: httpx.AsyncClient, turns: int, deadline: float, results: Results) -> None:
    """Run conversations back to back until the deadline."""
    while time.monotonic() < deadline:
        await conversation(client, turns, deadline, results)


async def load(
    base_url: str, *, concurrency: int, turns: int, seconds: float
) -> tuple[Results, float]:
    """Drive `concurrency` simultaneous conversations for `seconds`; return results and elapsed."""
    results = Results()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0, limits=limits) as client:
        await conversation(client, 2, time.monotonic() + 30, Results())  # warm-up
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(worker(client, turns, deadline, results) for _ in range(concurrency))
        )
        return results, time.monotonic() - started


def report(title: str, results: Results, elapsed: float) -> None:
    """Print throughput and latency percentiles."""
    values = [latency for _, latency in results.latencies]
    print(f"\n{title}")
    if not values:
        print(f"  no successful request; errors: {results.errors[:5]}")
        return
    first = [lat for turn, lat in results.latencies if turn == 0]
    last_turn = max(turn for turn, _ in results.latencies)
    last = [lat for turn, lat in results.latencies if turn == last_turn]
    print(f"  messages/s       {len(values) / elapsed:8.1f}   ({len(values)} in {elapsed:.1f} s)")
    print(
        f"  latency ms       p50 {percentile(values, 0.5) * 1000:7.1f}   "
        f"p95 {percentile(values, 0.95) * 1000:7.1f}   p99 {percentile(values, 0.99) * 1000:7.1f}"
    )
    print(
        f"  turn 1 vs {last_turn + 1}     median {statistics.median(first) * 1000:.1f} ms"
        f" vs {statistics.median(last) * 1000:.1f} ms"
    )
    print(f"  errors           {len(results.errors)}")


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        stack = Stack(workdir=Path(workdir))
        print("==> Starting the stack (Rasa, action server, API)", flush=True)
        stack.start()
        try:
            print(
                f"==> {args.concurrency} concurrent conversations of {args.turns} turns "
                f"for {args.seconds:.0f} s",
                flush=True,
            )
            results, elapsed = asyncio.run(
                load(
                    stack.api_url,
                    concurrency=args.concurrency,
                    turns=args.turns,
                    seconds=args.seconds,
                )
            )
            report("Assistant (through the API gateway)", results, elapsed)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
