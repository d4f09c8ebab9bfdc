"""One model run: export the staged examples, train in the bot's environment, score the new
model and the live one on the held-out NLU set, and load the new one into the running Rasa
server only if it does not do worse. `make model` runs it in the foreground; the page's button
queues a run and starts it in the background (`launch`).

    python -m api.training.runner [--run ID] [--accept-worse]

Exit status: 0 when the model is live or will be at the next start (or nothing changed),
1 when it was refused or the run failed.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.core.config import Settings, get_settings
from api.core.db import create_engine
from api.core.errors import AppError
from api.training import service
from api.training.models import ModelRun, RunStatus

_launched: set[asyncio.Task[int]] = set()


def _say(text: str) -> None:
    print(f"==> {text}", flush=True)


class RunFailedError(Exception):
    """A step of the run failed; its message is shown on the page."""


class Run:
    """A run's progress, recorded in the database when there is one."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession] | None, run_id: int | None):
        self.sessions = sessions
        self.run_id = run_id

    async def record(self, **fields: Any) -> None:
        """Save fields of the run (nothing without a database)."""
        if self.sessions is None or self.run_id is None:
            return
        async with self.sessions() as db_session:
            run = await service.get_run(db_session=db_session, run_id=self.run_id)
            service.update_run(run, **fields)
            await db_session.commit()


async def _database(engine: AsyncEngine) -> bool:
    """Whether the database holds the training tables (not before the first `make db`)."""
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: inspect(sync).has_table(ModelRun.__tablename__)
            )
    except (SQLAlchemyError, OSError):  # no database yet: train from the repository alone
        return False


def _bot(settings: Settings, module: str, *args: str) -> list[str]:
    """Run a module of the bot's environment, echo its output, return its lines."""
    command = [str(settings.bot_python), "-m", module, *args]
    process = subprocess.Popen(
        command,
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        print(line, end="", flush=True)
    if process.wait() != 0:
        tail = "\n".join(lines[-5:])
        raise RunFailedError(f"{module} a échoué (code {process.returncode}) : {tail}")
    return lines


def _point_current_at(model: Path) -> None:
    current = model.with_name(service.CURRENT_MODEL)
    tmp = current.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(model.name)
    os.replace(tmp, current)


async def _examples(sessions: async_sessionmaker[AsyncSession] | None) -> tuple[list[int], str]:
    if sessions is None:
        return [], ""
    async with sessions() as db_session:
        examples = await service.active_examples(db_session=db_session)
        return [e.id for e in examples], service.nlu_yaml(examples) if examples else ""


def _scores(settings: Settings, models: list[Path]) -> dict[str, dict[str, Any]]:
    _say("Score on the held-out NLU set (tests/nlu/heldout.yml)")
    lines = _bot(settings, "bot.evaluate", *map(str, models))
    scores = [json.loads(line) for line in lines if line.startswith("{")]
    return {Path(s["model"]).name: s for s in scores}


async def _execute(
    *, settings: Settings, run: Run, example_ids: list[int], data: str, accept_worse: bool
) -> RunStatus:
    settings.training_dir.mkdir(parents=True, exist_ok=True)
    extra: list[str] = []
    if data:
        staged = settings.training_dir / "staged_nlu.yml"
        staged.write_text(data)
        extra = ["--extra-data", str(staged)]
    _say(f"{len(example_ids)} training example(s) staged by support staff")
    await run.record(status=RunStatus.TRAINING, examples=len(example_ids))
    lines = await asyncio.to_thread(
        _bot,
        settings,
        "bot.train",
        "--no-promote",
        "--models-dir",
        str(settings.models_dir),
        *extra,
    )
    candidate = Path(lines[-1].strip()).resolve()
    key = service.model_key(candidate.name)
    await run.record(model=key, trained_at=service.trained_at_of(candidate))

    token = settings.rasa_auth_token()
    shards = settings.rasa_shards()
    status = await service.rasa_status(rasa_url=shards[0], token=token)
    live = service.live_model_file(models_dir=settings.models_dir, status=status)
    if live is not None and live == candidate:
        _say(f"The live model already has these inputs ({key}): nothing to load")
        await run.record(status=RunStatus.UNCHANGED, live_model=key)
        return RunStatus.UNCHANGED

    if live is not None:
        await run.record(status=RunStatus.EVALUATING, live_model=service.model_key(live.name))
        scores = await asyncio.to_thread(_scores, settings, [live, candidate])
        new, old = scores[candidate.name], scores[live.name]
        await run.record(score=new["score"], live_score=old["score"], heldout_total=new["total"])
        _say(f"Held-out score: new {new['score']:.1%}, live {old['score']:.1%}")
        if new["score"] < old["score"] and not accept_worse:
            detail = (
                f"Modèle refusé : {new['correct']}/{new['total']} exemples de contrôle "
                f"reconnus, contre {old['correct']}/{old['total']} pour le modèle en service."
            )
            _say(f"Refused: the new model does worse than the live one ({detail})")
            await run.record(status=RunStatus.REFUSED, detail=detail)
            return RunStatus.REFUSED

    _point_current_at(candidate)
    if status is None:
        _say(f"No Rasa server answers: {key} will be served at the next start")
        await _mark_trained(run, example_ids, key)
        await run.record(
            status=RunStatus.PROMOTED,
            detail="Aucun serveur Rasa en service : le modèle sera chargé au prochain démarrage.",
        )
        return RunStatus.PROMOTED

    await run.record(status=RunStatus.LOADING)
    for url in shards:  # each shard in turn: the others keep answering meanwhile
        _say(f"Loading {key} into the running Rasa server ({url})")
        await service.load_model(rasa_url=url, token=token, model_file=candidate)
    await _mark_trained(run, example_ids, key)
    await run.record(status=RunStatus.LOADED, detail="Modèle chargé sans interruption.")
    _say(f"Model {key} is live")
    return RunStatus.LOADED


async def _mark_trained(run: Run, example_ids: list[int], key: str) -> None:
    if run.sessions is None:
        return
    async with run.sessions() as db_session:
        await service.mark_trained(db_session=db_session, example_ids=example_ids, model=key)
        await db_session.commit()


async def _start(
    sessions: async_sessionmaker[AsyncSession], *, settings: Settings, requested_by: str
) -> int:
    async with sessions() as db_session:
        run = await service.start_run(
            db_session=db_session,
            requested_by=requested_by,
            stale_after=timedelta(seconds=settings.training_timeout_seconds),
        )
        await db_session.commit()
        return run.id


async def execute(
    *, settings: Settings, run_id: int | None, requested_by: str, accept_worse: bool
) -> RunStatus:
    """Carry out a run from start to end; the outcome is recorded on the run."""
    engine = create_engine(settings.database_url)
    try:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        if not await _database(engine):
            sessions = None  # type: ignore[assignment]
        if sessions is not None and run_id is None:
            try:
                run_id = await _start(sessions, settings=settings, requested_by=requested_by)
            except AppError as exc:
                _say(exc.message)
                return RunStatus.FAILED
        run = Run(sessions, run_id)
        example_ids, data = await _examples(sessions)
        try:
            return await _execute(
                settings=settings,
                run=run,
                example_ids=example_ids,
                data=data,
                accept_worse=accept_worse,
            )
        except Exception as exc:  # the run must end recorded, whatever stopped it
            detail = exc.message if isinstance(exc, AppError) else str(exc) or repr(exc)
            _say(f"Failed: {detail}")
            await run.record(status=RunStatus.FAILED, detail=detail[:2000])
            if not isinstance(exc, RunFailedError | AppError | OSError):
                raise
            return RunStatus.FAILED
    finally:
        await engine.dispose()


# The settings a run needs, handed to its process (which reads them from its environment).
_RUN_SETTINGS = (
    "app_env",
    "database_url",
    "rasa_url",
    "rasa_urls",
    "bot_python",
    "models_dir",
    "training_dir",
    "training_timeout_seconds",
    "rasa_token_file",
)


def _child_env(settings: Settings) -> dict[str, str]:
    env = {**os.environ, **{n.upper(): str(getattr(settings, n)) for n in _RUN_SETTINGS}}
    if settings.rasa_token is not None:
        env["RASA_TOKEN"] = settings.rasa_token.get_secret_value()
    return env


async def launch(*, run_id: int, settings: Settings) -> None:
    """Start the run in a process of its own, which outlives a restart of this API process."""
    settings.training_dir.mkdir(parents=True, exist_ok=True)
    log = (settings.training_dir / f"run-{run_id}.log").open("ab")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.training.runner",
        "--run",
        str(run_id),
        cwd=Path(__file__).resolve().parents[2],
        env=_child_env(settings),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    task = asyncio.create_task(process.wait())  # reaps the process when it ends
    _launched.add(task)
    task.add_done_callback(_launched.discard)


def main() -> None:
    """Command-line entry point (make model)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", type=int, help="a run queued from the page")
    parser.add_argument(
        "--accept-worse",
        action="store_true",
        default=os.environ.get("ACCEPT_WORSE_MODEL") == "1",
        help="load the new model even if it does worse on the held-out set",
    )
    args = parser.parse_args()
    started = datetime.now()
    outcome = asyncio.run(
        execute(
            settings=get_settings(),
            run_id=args.run,
            requested_by=os.environ.get("USER", "make model")[:64],
            accept_worse=args.accept_worse,
        )
    )
    _say(f"Model run {outcome.value} in {(datetime.now() - started).total_seconds():.0f} s")
    sys.exit(0 if outcome not in (RunStatus.REFUSED, RunStatus.FAILED) else 1)


if __name__ == "__main__":
    main()
