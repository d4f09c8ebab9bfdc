"""`make model`'s runner with the real bot environment: a model trained on misleading examples
does worse on the held-out NLU set than the live one, so it is refused and the live model stays."""

import asyncio
import os
import subprocess
from pathlib import Path

import yaml

from api.core.db import create_engine, create_session_factory
from api.training import service as training
from tests.stack import API_BIN, MODEL, ROOT


def training_examples(intent: str) -> list[str]:
    """The repository's training examples of an intent (data/nlu/<intent>.yml)."""
    data = yaml.safe_load((ROOT / "data" / "nlu" / f"{intent}.yml").read_text())
    [item] = [i for i in data["nlu"] if i["intent"] == intent]
    return [line[2:] for line in item["examples"].splitlines() if line.startswith("- ")]


async def test_a_model_that_does_worse_on_the_heldout_set_is_refused_and_the_live_one_stays(
    database_url: str, tmp_path: Path, unused_url: str
) -> None:
    # Someone stages the connexion questions as EJ questions and the reverse.
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        for wrong, right in (("ej", "connexion"), ("connexion", "ej")):
            await training.stage_examples(
                db_session=session, texts=training_examples(right), intent=wrong, actor="maladroit"
            )
        await session.commit()
    models = tmp_path / "models"
    models.mkdir()
    live = MODEL.resolve()
    (models / live.name).symlink_to(live)
    (models / "current.tar.gz").symlink_to(live.name)

    finished = await asyncio.to_thread(
        subprocess.run,
        [str(API_BIN / "python"), "-m", "api.training.runner"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "MODELS_DIR": str(models),
            "TRAINING_DIR": str(tmp_path / "training"),
            "RASA_URL": unused_url,  # no Rasa running: the gate alone decides
        },
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert finished.returncode == 1, finished.stdout[-3000:]
    assert "Refused" in finished.stdout
    assert os.readlink(models / "current.tar.gz") == live.name
    async with create_session_factory(engine)() as session:
        [run] = await training.recent_runs(db_session=session)
        examples = await training.active_examples(db_session=session)
    await engine.dispose()
    assert run.status == "refused" and run.active is None
    assert run.score is not None and run.live_score is not None and run.score < run.live_score
    assert run.live_model == live.name.removesuffix(".tar.gz") and run.model != run.live_model
    assert "Modèle refusé" in run.detail
    assert examples and all(e.trained_in is None for e in examples)
