"""Retraining from the review page, through the API: staging examples from the inbox, undoing
them, queuing a run (one at a time), and who may do it."""

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth.models import Role
from api.core.db import create_engine, create_session_factory
from api.training import service as training
from tests.api.conftest import ClientFactory, TokenFactory
from tests.api.review.test_inbox import DECISIONS, missed

MODEL = "/api/v1/admin/model"


async def decide(
    client: httpx.AsyncClient, headers: dict[str, str], item_id: int, **body: Any
) -> httpx.Response:
    """A decision on one unanswered message (staging it for the model by default)."""
    body.setdefault("decision", "nlu_example")
    return await client.post(
        DECISIONS, json={"item_kind": "unanswered", "item_ids": [item_id], **body}, headers=headers
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", MODEL), ("POST", f"{MODEL}/runs"), ("DELETE", f"{MODEL}/examples/1")],
)
async def test_only_admins_see_and_retrain_the_model(
    kb_client: httpx.AsyncClient, token_for: TokenFactory, method: str, path: str
) -> None:
    assert (await kb_client.request(method, path)).status_code == 401
    for role in (Role.ADVISOR, Role.CCA):
        headers = {"Authorization": f"Bearer {await token_for(role)}"}
        response = await kb_client.request(method, path, headers=headers)
        assert response.status_code == 403
        assert response.json()["message"] == "Vous n'avez pas les droits nécessaires."


async def test_an_example_staged_from_the_inbox_waits_for_the_next_model_and_undo_withdraws_it(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    item_id = await missed(database_url, "train-conv-01", "le voyant de ma carte reste rouge")
    response = await decide(kb_client, admin_headers, item_id, nlu_domain="connexion")
    assert response.status_code == 201, response.text
    decision = response.json()

    state = (await kb_client.get(MODEL, headers=admin_headers)).json()
    assert state["pending_examples"] == 1
    [example] = state["examples"]
    assert (example["text"], example["intent"]) == (
        "le voyant de ma carte reste rouge",
        "connexion",
    )
    assert example["staged_by"] == "admin-1" and example["trained_in"] is None
    inbox = (await kb_client.get("/api/v1/admin/review/inbox", headers=admin_headers)).json()
    assert inbox["total_items"] == 0

    undone = await kb_client.post(f"{DECISIONS}/{decision['id']}/undo", headers=admin_headers)
    assert undone.status_code == 200
    state = (await kb_client.get(MODEL, headers=admin_headers)).json()
    assert state["pending_examples"] == 0 and state["examples"] == []
    audit = (await kb_client.get("/api/v1/admin/review/audit", headers=admin_headers)).json()
    assert [e["action"] for e in audit[:2]] == ["review.undo", "review.nlu_example"]


async def test_attaching_to_an_entry_can_also_stage_the_wording_for_the_model(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    item_id = await missed(database_url, "train-conv-02", "ma carte agent ne s'allume plus")
    response = await decide(
        kb_client,
        admin_headers,
        item_id,
        decision="attach",
        entry_id="connexion-chorus-pro-mot-de-passe-oublie",
        nlu_domain="connexion",
    )
    assert response.status_code == 201, response.text
    state = (await kb_client.get(MODEL, headers=admin_headers)).json()
    assert [e["text"] for e in state["examples"]] == ["ma carte agent ne s'allume plus"]


async def test_a_staged_example_is_withdrawn_once_and_unknown_ones_are_404(
    kb_client: httpx.AsyncClient, admin_headers: dict[str, str], database_url: str
) -> None:
    item_id = await missed(database_url, "train-conv-03", "impossible d'ouvrir mon EJ")
    assert (await decide(kb_client, admin_headers, item_id, nlu_domain="ej")).status_code == 201
    [example] = (await kb_client.get(MODEL, headers=admin_headers)).json()["examples"]

    path = f"{MODEL}/examples/{example['id']}"
    assert (await kb_client.delete(path, headers=admin_headers)).status_code == 200
    again = await kb_client.delete(path, headers=admin_headers)
    assert again.status_code == 409 and again.json()["message"] == "Cet exemple est déjà retiré."
    missing = await kb_client.delete(f"{MODEL}/examples/999999", headers=admin_headers)
    assert missing.status_code == 404 and missing.json()["message"] == "Cet exemple n'existe pas."
    assert (await kb_client.get(MODEL, headers=admin_headers)).json()["examples"] == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"nlu_domain": "astrologie"}, "Ce domaine n'existe pas."),
        ({"nlu_domain": None}, "Votre demande n'a pas pu être traitée"),
        ({"nlu_domain": "x" * 65}, "Une valeur est trop longue."),
        ({"nlu_domain": ["ej"]}, "Un texte était attendu."),
    ],
)
async def test_a_bad_staging_request_gets_a_french_422_and_leaves_the_item_in_the_inbox(
    kb_client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    database_url: str,
    body: dict[str, Any],
    message: str,
) -> None:
    item_id = await missed(database_url, "train-conv-04", "ça ne marche pas du tout")
    response = await decide(kb_client, admin_headers, item_id, **body)
    assert response.status_code == 422
    assert response.json()["message"].startswith(message)
    inbox = (await kb_client.get("/api/v1/admin/review/inbox", headers=admin_headers)).json()
    assert inbox["total_items"] == 1


async def test_one_run_at_a_time_and_a_failed_training_is_reported_and_frees_the_slot(
    make_client: ClientFactory,
    database_url: str,
    unused_url: str,
    tmp_path: Path,
    token_for: TokenFactory,
) -> None:
    client = await make_client(
        rasa_url=unused_url,
        action_server_url=unused_url,
        bot_python=Path("/bin/false"),  # the bot's environment is broken: training fails
        models_dir=tmp_path / "models",
        training_dir=tmp_path / "training",
    )
    headers = {"Authorization": f"Bearer {await token_for(Role.ADMIN)}"}
    engine = create_engine(database_url)
    async with create_session_factory(engine)() as session:
        await training.start_run(
            db_session=session, requested_by="someone", stale_after=timedelta(hours=1)
        )
        await session.commit()
    busy = await client.post(f"{MODEL}/runs", headers=headers)
    assert busy.status_code == 409
    assert busy.json()["message"] == training.RUN_IN_PROGRESS

    async with create_session_factory(engine)() as session:
        [run] = await training.recent_runs(db_session=session)
        training.update_run(run, status="failed", detail="test")
        await session.commit()
    await engine.dispose()

    started = await client.post(f"{MODEL}/runs", headers=headers)
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]
    run = await wait_for_end(client, headers, run_id)
    assert run["status"] == "failed" and "bot.train" in run["detail"]
    assert (await client.post(f"{MODEL}/runs", headers=headers)).status_code == 202


async def wait_for_end(
    client: httpx.AsyncClient, headers: dict[str, str], run_id: int, timeout: float = 60.0
) -> dict[str, Any]:
    """Poll a run until it ends."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = (await client.get(f"{MODEL}/runs/{run_id}", headers=headers)).json()
        if run["status"] not in ("queued", "training", "evaluating", "loading"):
            return dict(run)
        await asyncio.sleep(0.5)
    raise TimeoutError(f"run {run_id} still running after {timeout} s")
