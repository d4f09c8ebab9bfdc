"""Train the Rasa model only when its inputs changed.

The inputs (config, domain, training data, custom components) are hashed; the model is stored as
models/<hash>.tar.gz and models/current.tar.gz points at the model of the current inputs.
"""

import argparse
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
CURRENT = MODELS / "current.tar.gz"
INPUT_GLOBS = (
    "config.yml",
    "domain.yml",
    "domain/**/*.yml",
    "data/**/*.yml",
    "bot/components/**/*.py",
)


def training_inputs(root: Path = ROOT) -> List[Path]:
    """Return the files the model is trained from, sorted."""
    found = {path for pattern in INPUT_GLOBS for path in root.glob(pattern) if path.is_file()}
    return sorted(found)


def inputs_hash(paths: Iterable[Path], root: Path = ROOT) -> str:
    """Return a short hash of the files' relative paths and contents."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def point_current_at(model: Path) -> None:
    """Make models/current.tar.gz a link to the given model."""
    tmp = CURRENT.with_suffix(".tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(model.name)
    os.replace(tmp, CURRENT)


def train(force: bool = False) -> Path:
    """Train if no model matches the current inputs; return the model's path."""
    key = inputs_hash(training_inputs())
    model = MODELS / f"{key}.tar.gz"
    if model.exists() and not force:
        print(f"==> Rasa model up to date ({model.relative_to(ROOT)})", flush=True)
    else:
        print(
            f"==> Training the Rasa model (inputs changed, key {key}): about a minute", flush=True
        )
        started = time.monotonic()
        command = [
            str(Path(sys.executable).with_name("rasa")),
            "train",
            "--fixed-model-name",
            key,
            "--out",
            str(MODELS),
        ]
        subprocess.run(command, cwd=ROOT, check=True)
        print(f"==> Trained in {time.monotonic() - started:.0f} s", flush=True)
    point_current_at(model)
    return model


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="train even if the model is current")
    train(force=parser.parse_args().force)


if __name__ == "__main__":
    main()
