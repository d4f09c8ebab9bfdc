"""The NLU model in the page: the live model, staged examples, runs. Admin role only."""

from datetime import timedelta

from fastapi import APIRouter

from api.auth.deps import CurrentAdmin
from api.core.deps import IdPath, SessionDep, SettingsDep
from api.training import flows, runner, service
from api.training.schemas import ModelRunRead, ModelStateRead, NluExampleRead

admin_router = APIRouter(prefix="/admin/model", tags=["training"])

ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Missing, invalid or expired bearer token."},
    403: {"description": "The token's user is not an admin."},
}


@admin_router.get(
    "",
    response_model=ModelStateRead,
    responses={**ERRORS, 502: {"description": "The Rasa server refused RASA_TOKEN."}},
)
async def get_model(
    db_session: SessionDep, settings: SettingsDep, _admin: CurrentAdmin
) -> ModelStateRead:
    """The live model (name, training date, held-out score), staged examples, recent runs."""
    status = await service.rasa_status(
        rasa_url=settings.rasa_shards()[0], token=settings.rasa_auth_token()
    )
    live = await service.live_model(
        db_session=db_session, models_dir=settings.models_dir, status=status
    )
    examples = await service.listed_examples(db_session=db_session)
    return ModelStateRead(
        rasa_reachable=status is not None,
        live=live,
        pending_examples=await service.pending_count(db_session=db_session),
        examples=[NluExampleRead.model_validate(e) for e in examples],
        runs=[
            ModelRunRead.model_validate(r) for r in await service.recent_runs(db_session=db_session)
        ],
    )


@admin_router.post(
    "/runs",
    response_model=ModelRunRead,
    status_code=202,
    responses={**ERRORS, 409: {"description": "A run is already in progress."}},
)
async def create_run(
    db_session: SessionDep, settings: SettingsDep, admin: CurrentAdmin
) -> ModelRunRead:
    """Train, score and load a new model in the background; follow it with GET /admin/model."""
    run = await flows.request_run(
        db_session=db_session,
        actor=admin.username,
        stale_after=timedelta(seconds=settings.training_timeout_seconds),
    )
    await db_session.commit()
    await runner.launch(run_id=run.id, settings=settings)
    return ModelRunRead.model_validate(run)


@admin_router.get(
    "/runs/{run_id}",
    response_model=ModelRunRead,
    responses={**ERRORS, 404: {"description": "No such run."}},
)
async def get_run(run_id: IdPath, db_session: SessionDep, _admin: CurrentAdmin) -> ModelRunRead:
    """One run and its outcome."""
    return ModelRunRead.model_validate(await service.get_run(db_session=db_session, run_id=run_id))


@admin_router.delete(
    "/examples/{example_id}",
    response_model=NluExampleRead,
    responses={
        **ERRORS,
        404: {"description": "No such example."},
        409: {"description": "Already removed."},
    },
)
async def delete_example(
    example_id: IdPath, db_session: SessionDep, admin: CurrentAdmin
) -> NluExampleRead:
    """Withdraw a staged example: the next model is trained without it."""
    example = await flows.withdraw_example(
        db_session=db_session, example_id=example_id, actor=admin.username
    )
    await db_session.commit()
    return NluExampleRead.model_validate(example)
