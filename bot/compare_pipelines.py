"""Compare NLU pipelines: cross-validated intent F1, held-out accuracy and parse latency.

    python -m bot.compare_pipelines [--folds 3] [bot/pipelines/x.yml ...]

Each pipeline of bot/pipelines/ is cross-validated on data/nlu (`rasa test nlu
--cross-validation`), then trained on all of data/nlu and run on the held-out set
(tests/nlu/heldout.yml), timing each parse. The choice is made on the cross-validation and the
latency; the held-out accuracy is reported, never used to tune. Results: docs/nlu.md.
"""

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parents[1]
RASA = str(Path(sys.executable).with_name("rasa"))
OUT = ROOT / "results" / "nlu-comparison"


def cross_validate(config: Path, folds: int) -> Dict[str, float]:
    """Run Rasa's cross-validation and return the test folds' weighted F1 and accuracy."""
    out = OUT / config.stem / "cv"
    command = [RASA, "test", "nlu", "--nlu", "data/nlu", "--config", str(config)]
    command += ["--cross-validation", "--folds", str(folds), "--out", str(out)]
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    report = json.loads((out / "intent_report.json").read_text())
    return {"f1": report["weighted avg"]["f1-score"], "accuracy": report["accuracy"]}


def train(config: Path) -> Path:
    """Train an NLU-only model on all of data/nlu and return its path."""
    out = OUT / config.stem
    command = [RASA, "train", "nlu", "--nlu", "data/nlu", "--config", str(config)]
    command += ["--out", str(out), "--fixed-model-name", config.stem]
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    print(f"    trained in {time.monotonic() - started:.0f} s", flush=True)
    return out / f"{config.stem}.tar.gz"


def heldout_and_latency(model: Path) -> Dict[str, float]:
    """Return the held-out domain accuracy and the parse latency percentiles (ms)."""
    from rasa.core.agent import Agent

    from bot.heldout import domain_of, heldout

    agent = Agent.load(str(model))
    examples = heldout()

    async def run() -> Dict[str, float]:
        timings: List[float] = []
        right = total = 0
        for _ in range(3):
            for text, intent in examples:
                started = time.perf_counter()
                parsed = await agent.parse_message(text)
                timings.append((time.perf_counter() - started) * 1000)
                if domain_of(intent):
                    total += 1
                    right += domain_of(parsed["intent"]["name"]) == domain_of(intent)
        timings.sort()
        return {
            "heldout": right / total,
            "p50_ms": statistics.median(timings),
            "p95_ms": timings[int(0.95 * len(timings))],
        }

    return asyncio.run(run())


def main() -> None:
    """Command-line entry point: print a Markdown table and write results.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("configs", nargs="*", type=Path)
    args = parser.parse_args()
    configs = args.configs or sorted((ROOT / "bot" / "pipelines").glob("*.yml"))
    OUT.mkdir(parents=True, exist_ok=True)
    rows: Dict[str, Dict[str, Any]] = {}
    for config in configs:
        print(f"==> {config.stem}: {args.folds}-fold cross-validation", flush=True)
        rows[config.stem] = cross_validate(config, args.folds)
        print(f"==> {config.stem}: training on all data, then held-out set and latency", flush=True)
        rows[config.stem].update(heldout_and_latency(train(config)))
        print(f"    {rows[config.stem]}", flush=True)
    (OUT / "results.json").write_text(json.dumps(rows, indent=2))
    print(
        "\n| pipeline | CV weighted F1 | CV accuracy | held-out domain accuracy "
        "| parse p50 | parse p95 |"
    )
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['f1']:.3f} | {r['accuracy']:.3f} | {r['heldout']:.1%} "
            f"| {r['p50_ms']:.1f} ms | {r['p95_ms']:.1f} ms |"
        )


if __name__ == "__main__":
    main()
