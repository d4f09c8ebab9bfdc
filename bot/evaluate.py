"""Score trained models on the held-out NLU set (tests/nlu/heldout.yml), which training never
reads: the gate that keeps a retrained model from replacing a better live one.

    python -m bot.evaluate models/a.tar.gz [models/b.tar.gz ...]

Prints one JSON object per model: {"model", "score", "correct", "total"}. A score is cached in
the model's metadata file (<model>.json) with the held-out file's hash, so the live model is
scored once.
"""

import argparse
import asyncio
import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

from bot.heldout import HELDOUT, heldout, is_correct
from bot.train import read_metadata, write_metadata


def heldout_hash() -> str:
    """Short hash of the held-out file, so that a changed set invalidates cached scores."""
    return hashlib.sha256(HELDOUT.read_bytes()).hexdigest()[:16]


async def _score(model: Path) -> Dict[str, Any]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    pairs = heldout()
    correct = 0
    for text, intent in pairs:
        parsed = await agent.parse_message(text)
        correct += is_correct(intent, parsed["intent"]["name"])
    return {"score": round(correct / len(pairs), 4), "correct": correct, "total": len(pairs)}


def score(model: Path) -> Dict[str, Any]:
    """Return the model's held-out score, computed once per model and held-out set."""
    model = model.resolve()
    metadata = read_metadata(model)
    cached = metadata.get("heldout")
    key = heldout_hash()
    if not (isinstance(cached, dict) and cached.get("hash") == key):
        cached = {"hash": key, **asyncio.run(_score(model))}
        write_metadata(model, {**metadata, "heldout": cached})
    return {"model": str(model), **{k: v for k, v in cached.items() if k != "hash"}}


def main(argv: List[str]) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("models", nargs="+", type=Path)
    for model in parser.parse_args(argv).models:
        if not model.exists():
            sys.exit(f"no model at {model}")
        print(json.dumps(score(model)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
