"""Train the Rasa model only when its inputs changed.

The inputs (config, domain, training data, custom components, and the training examples support
staff staged, passed with --extra-data) are hashed; the model is stored as models/<hash>.tar.gz
with its metadata in models/<hash>.json (when it was trained, its held-out score once measured),
and models/current.tar.gz points at the model to serve. With --no-promote the model is trained
but current.tar.gz is left alone: `python -m api.training.runner` (make model) promotes it only
if it does not do worse than the live model on the held-out NLU set.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Sequence

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
CURRENT_NAME = "current.tar.gz"
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


def _label(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return f"extra/{path.name}"


def inputs_hash(paths: Iterable[Path], root: Path = ROOT) -> str:
    """Return a short hash of the files' relative paths and contents."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(_label(path, root).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def metadata_path(model: Path) -> Path:
    """models/<key>.tar.gz -> models/<key>.json."""
    return model.with_name(model.name.removesuffix(".tar.gz") + ".json")


def read_metadata(model: Path) -> Dict[str, Any]:
    """The model's metadata, or {} when it has none."""
    path = metadata_path(model)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_metadata(model: Path, data: Dict[str, Any]) -> None:
    """Replace the model's metadata atomically."""
    path = metadata_path(model)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    os.replace(tmp, path)


def point_current_at(model: Path) -> None:
    """Make <models>/current.tar.gz a link to the given model."""
    current = model.with_name(CURRENT_NAME)
    tmp = current.with_suffix(".tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(model.name)
    os.replace(tmp, current)


def train(
    force: bool = False,
    extra_data: Sequence[Path] = (),
    models_dir: Path = MODELS,
    promote: bool = True,
) -> Path:
    """Train if no model matches the current inputs; return the model's path."""
    key = inputs_hash([*training_inputs(), *extra_data])
    model = models_dir / f"{key}.tar.gz"
    if model.exists() and not force:
        print(f"==> Rasa model up to date ({model})", flush=True)
    else:
        print(
            f"==> Training the Rasa model (inputs changed, key {key}): about a minute", flush=True
        )
        started = time.monotonic()
        command = [
            str(Path(sys.executable).with_name("rasa")),
            "train",
            "--data",
            "data",
            *map(str, extra_data),
            "--fixed-model-name",
            key,
            "--out",
            str(models_dir),
        ]
        subprocess.run(command, cwd=ROOT, check=True)
        trained_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        write_metadata(model, {"trained_at": trained_at, "extra_data": len(extra_data)})
        print(f"==> Trained in {time.monotonic() - started:.0f} s", flush=True)
    if promote:
        point_current_at(model)
    return model


def main() -> None:
    """Command-line entry point; the last line printed is the model's path."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="train even if the model is current")
    parser.add_argument("--extra-data", type=Path, action="append", default=[])
    parser.add_argument("--models-dir", type=Path, default=MODELS)
    parser.add_argument("--no-promote", action="store_true", help="leave current.tar.gz alone")
    args = parser.parse_args()
    model = train(
        force=args.force,
        extra_data=[p.resolve() for p in args.extra_data],
        models_dir=args.models_dir.resolve(),
        promote=not args.no_promote,
    )
    print(model, flush=True)


if __name__ == "__main__":
    main()
