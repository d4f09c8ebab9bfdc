"""Staged NLU examples, model runs, and the live model as the Rasa server reports it."""

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.core.db import utcnow
from api.core.errors import AppError, ConflictError, NotFoundError
from api.training.models import ACTIVE_STATUSES, ModelRun, NluExample, RunStatus
from api.training.schemas import LiveModelRead

CURRENT_MODEL = "current.tar.gz"

RUN_IN_PROGRESS = "Un entraînement est déjà en cours : attendez qu'il se termine."


class RasaAdminError(AppError):
    """The Rasa server refused or failed an administrative call."""

    status_code = 502


def _training_text(text: str) -> str:
    """One line, without the brackets Rasa would read as an entity annotation."""
    line = " ".join(text.split())
    return line.replace("[", "(").replace("]", ")")


async def stage_examples(
    *,
    db_session: AsyncSession,
    texts: Sequence[str],
    intent: str,
    actor: str,
    decision_id: int | None = None,
) -> list[NluExample]:
    """Stage each text as an example of the intent, unless it is staged already."""
    staged: list[NluExample] = []
    for text in dict.fromkeys(t.strip() for t in texts if t.strip()):
        exists = await db_session.scalar(
            select(NluExample.id).where(
                NluExample.intent == intent,
                NluExample.text == text,
                NluExample.removed_at.is_(None),
            )
        )
        if exists is None:
            example = NluExample(text=text, intent=intent, staged_by=actor, decision_id=decision_id)
            db_session.add(example)
            staged.append(example)
    await db_session.flush()
    return staged


async def remove_examples_of_decision(
    *, db_session: AsyncSession, decision_id: int, actor: str
) -> list[str]:
    """Withdraw the examples a decision staged; return their texts."""
    examples = list(
        await db_session.scalars(
            select(NluExample).where(
                NluExample.decision_id == decision_id, NluExample.removed_at.is_(None)
            )
        )
    )
    for example in examples:
        _remove(example, actor)
    await db_session.flush()
    return [e.text for e in examples]


def _remove(example: NluExample, actor: str) -> None:
    example.removed_by = actor
    example.removed_at = utcnow()


async def remove_example(*, db_session: AsyncSession, example_id: int, actor: str) -> NluExample:
    """Withdraw one staged example: the next model is trained without it."""
    example = await db_session.get(NluExample, example_id)
    if example is None:
        raise NotFoundError(f"no training example {example_id}", "Cet exemple n'existe pas.")
    if example.removed_at is not None:
        raise ConflictError(
            f"training example {example_id} was already removed", "Cet exemple est déjà retiré."
        )
    _remove(example, actor)
    await db_session.flush()
    return example


async def active_examples(*, db_session: AsyncSession) -> list[NluExample]:
    """The examples the next model is trained with, oldest first."""
    query = select(NluExample).where(NluExample.removed_at.is_(None)).order_by(NluExample.id)
    return list(await db_session.scalars(query))


def nlu_yaml(examples: Sequence[NluExample]) -> str:
    """Rasa NLU training data (YAML) of the examples, grouped by intent."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(_training_text(example.text))
    nlu = [
        {"intent": intent, "examples": "".join(f"- {t}\n" for t in dict.fromkeys(texts))}
        for intent, texts in sorted(by_intent.items())
    ]
    return yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False)


async def mark_trained(*, db_session: AsyncSession, example_ids: Sequence[int], model: str) -> None:
    """Record that a live model learned these examples (the first such model is kept)."""
    if example_ids:
        await db_session.execute(
            update(NluExample)
            .where(NluExample.id.in_(example_ids), NluExample.trained_in.is_(None))
            .values(trained_in=model)
        )


async def _expire_stale_runs(*, db_session: AsyncSession, stale_after: timedelta) -> None:
    """A run that has been active too long died with its process: mark it failed."""
    await db_session.execute(
        update(ModelRun)
        .where(ModelRun.active.is_(True), ModelRun.requested_at < utcnow() - stale_after)
        .values(
            status=RunStatus.FAILED,
            active=None,
            finished_at=utcnow(),
            detail="Interrompu : l'entraînement n'a pas donné de nouvelles à temps.",
        )
    )


async def start_run(
    *, db_session: AsyncSession, requested_by: str, stale_after: timedelta
) -> ModelRun:
    """Queue a run, unless one is in progress (ConflictError)."""
    await _expire_stale_runs(db_session=db_session, stale_after=stale_after)
    run = ModelRun(requested_by=requested_by, status=RunStatus.QUEUED, active=True)
    try:
        async with db_session.begin_nested():
            db_session.add(run)
    except IntegrityError as exc:
        raise ConflictError("a model run is already in progress", RUN_IN_PROGRESS) from exc
    return run


async def get_run(*, db_session: AsyncSession, run_id: int) -> ModelRun:
    """The run, or NotFoundError."""
    run = await db_session.get(ModelRun, run_id)
    if run is None:
        raise NotFoundError(f"no model run {run_id}", "Cet entraînement n'existe pas.")
    return run


def update_run(run: ModelRun, **fields: Any) -> None:
    """Record progress on a run; a final status ends it."""
    for name, value in fields.items():
        setattr(run, name, value)
    if run.status not in ACTIVE_STATUSES:
        run.active = None
        run.finished_at = run.finished_at or utcnow()


async def recent_runs(*, db_session: AsyncSession, limit: int = 10) -> list[ModelRun]:
    """The newest runs first."""
    return list(
        await db_session.scalars(select(ModelRun).order_by(ModelRun.id.desc()).limit(limit))
    )


async def listed_examples(*, db_session: AsyncSession, limit: int = 200) -> list[NluExample]:
    """The staged examples still in use, the newest first."""
    query = (
        select(NluExample)
        .where(NluExample.removed_at.is_(None))
        .order_by(NluExample.id.desc())
        .limit(limit)
    )
    return list(await db_session.scalars(query))


async def pending_count(*, db_session: AsyncSession) -> int:
    """How many staged examples no live model has learned yet."""
    query = select(func.count()).where(
        NluExample.removed_at.is_(None), NluExample.trained_in.is_(None)
    )
    return int(await db_session.scalar(query.select_from(NluExample)) or 0)


async def last_run_of(*, db_session: AsyncSession, model: str) -> ModelRun | None:
    """The newest run that trained this model."""
    query = (
        select(ModelRun)
        .where(ModelRun.model == model, ModelRun.trained_at.is_not(None))
        .order_by(ModelRun.id.desc())
        .limit(1)
    )
    run: ModelRun | None = await db_session.scalar(query)
    return run


def model_key(file_name: str) -> str:
    """models/<key>.tar.gz -> <key>."""
    return Path(file_name).name.removesuffix(".tar.gz")


async def rasa_status(*, rasa_url: str, token: str | None) -> dict[str, Any] | None:
    """Rasa's /status (live model file and id), or None when no Rasa server answers."""
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            response = await client.get(f"{rasa_url}/status", params=_auth(token))
    except httpx.HTTPError:
        return None
    if response.status_code in (401, 403):
        raise RasaAdminError(
            "the Rasa server refused the token (RASA_TOKEN)",
            "Le serveur Rasa refuse le jeton d'administration de l'assistant.",
        )
    if response.status_code != 200:
        return None
    data = response.json()
    return data if isinstance(data, dict) else None


async def load_model(*, rasa_url: str, token: str | None, model_file: Path) -> None:
    """Make the running Rasa server answer with this model (conversations are kept)."""
    try:
        async with httpx.AsyncClient(timeout=300.0) as client:
            response = await client.put(
                f"{rasa_url}/model", params=_auth(token), json={"model_file": str(model_file)}
            )
    except httpx.HTTPError as exc:
        raise RasaAdminError(
            f"Rasa could not be reached to load {model_file}: {exc!r}",
            "Le serveur Rasa ne répond plus : le modèle sera chargé à son prochain démarrage.",
        ) from exc
    if response.status_code != 204:
        raise RasaAdminError(
            f"Rasa could not load {model_file}: {response.status_code} {response.text[:500]}",
            "Le serveur Rasa n'a pas pu charger le nouveau modèle.",
        )


def _auth(token: str | None) -> dict[str, str]:
    return {"token": token} if token else {}


def model_metadata(model_file: Path) -> dict[str, Any]:
    """The metadata bot/train.py and bot/evaluate.py keep beside a model ({} if none)."""
    try:
        data = json.loads(model_file.with_name(model_key(model_file.name) + ".json").read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def trained_at_of(model_file: Path) -> datetime | None:
    """When a model was trained: from its metadata, else the file's time."""
    try:
        return datetime.fromisoformat(str(model_metadata(model_file)["trained_at"]))
    except (KeyError, ValueError):
        pass
    try:
        return datetime.fromtimestamp(model_file.stat().st_mtime, UTC)
    except OSError:
        return None


def live_model_file(*, models_dir: Path, status: dict[str, Any] | None) -> Path | None:
    """The file of the model Rasa serves (or, with no Rasa running, the one it will serve)."""
    current = models_dir / CURRENT_MODEL
    name = str(status.get("model_file") or "") if status else ""
    if name and name != CURRENT_MODEL and (models_dir / name).exists():
        return (models_dir / name).resolve()
    return current.resolve() if current.exists() else None


async def live_model(
    *, db_session: AsyncSession, models_dir: Path, status: dict[str, Any] | None
) -> LiveModelRead | None:
    """Name, training date and held-out score of the live model."""
    model_file = live_model_file(models_dir=models_dir, status=status)
    if model_file is None:
        return None
    key = model_key(model_file.name)
    run = await last_run_of(db_session=db_session, model=key)
    heldout = model_metadata(model_file).get("heldout")
    score = run.score if run and run.score is not None else None
    if score is None and isinstance(heldout, dict) and isinstance(heldout.get("score"), float):
        score = heldout["score"]
    trained_at = run.trained_at if run and run.trained_at else trained_at_of(model_file)
    return LiveModelRead(name=key, trained_at=trained_at, score=score)
