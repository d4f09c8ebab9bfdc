"""Application factory: routers, static files, lifespan (database, runtime services, taxonomy)."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from pydantic import SecretStr

from api.auth.router import router as auth_router
from api.chat.router import router as chat_router
from api.chat.router import webhook_router
from api.core.clock import Clock, system_clock
from api.core.config import Settings, get_settings
from api.core.db import create_engine, create_session_factory
from api.core.errors import install_error_handlers
from api.core.headers import SecurityHeaders
from api.core.limits import BodySizeLimit
from api.core.rasa import RasaClient
from api.core.realtime import create_notifier
from api.core.throttle import Throttle
from api.fsd.desk import desk_from
from api.fsd.router import router as fsd_router
from api.handoff.hours import opening_hours_from
from api.handoff.router import console_router
from api.handoff.router import router as handoff_router
from api.health.router import router as health_router
from api.integration.router import router as integration_router
from api.knowledge.router import admin_router as knowledge_admin_router
from api.knowledge.router import router as knowledge_router
from api.knowledge.service import KnowledgeIndex
from api.nlu.router import router as nlu_router
from api.notifications.service import OutboxWorker, SmtpMailer
from api.review.router import admin_router as review_admin_router
from api.stats.router import admin_router as stats_admin_router
from api.training.router import admin_router as training_admin_router
from api.web.router import router as web_router
from knowledge_base.taxonomy import load_domains

logger = logging.getLogger("api")
STATIC_DIR = Path(__file__).parent / "web" / "static"
API_PREFIX = "/api/v1"
API_ROUTERS = (
    chat_router,
    knowledge_router,
    knowledge_admin_router,
    nlu_router,
    handoff_router,
    console_router,
    fsd_router,
    integration_router,
    auth_router,
    review_admin_router,
    stats_admin_router,
    training_admin_router,
    health_router,
)


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def create_app(settings: Settings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    """Build the API application for the given settings (the environment's by default).

    `clock` tells the time to the LiveChat opening hours and waiting times (tests set it).
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        state = app.state
        state.settings = settings
        state.engine = engine
        state.session_factory = create_session_factory(engine)
        state.domains = load_domains(settings.domains_file)
        state.knowledge_index = KnowledgeIndex()
        state.clock = clock
        state.opening_hours = opening_hours_from(settings)
        state.rasa = RasaClient(
            base_urls=settings.rasa_shards(),
            timeout_seconds=settings.rasa_timeout_seconds,
            max_in_flight=settings.rasa_max_in_flight,
            token=settings.rasa_auth_token(),
        )
        outbox = OutboxWorker(
            sessions=state.session_factory,
            mailer=SmtpMailer(
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.smtp_sender,
                username=settings.smtp_username,
                password=_secret(settings.smtp_password),
                starttls=settings.smtp_starttls,
            ),
            poll_seconds=settings.outbox_poll_seconds,
        )
        await outbox.start()
        state.wake_outbox = outbox.wake
        state.throttle = Throttle(redis_url=settings.throttle_redis_url)
        state.notifier = create_notifier(settings.realtime_redis_url)
        await state.notifier.start()
        state.fsd_desk = desk_from(
            url=settings.fsd_desk_url, api_key=_secret(settings.fsd_desk_api_key)
        )
        try:
            yield
        finally:
            await outbox.aclose()
            await state.notifier.aclose()
            await state.rasa.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Assistant Chorus API",
        version="1.0.0",
        description="Gateway of the Chorus support assistant: chat, knowledge, health.",
        lifespan=lifespan,
        docs_url=None,  # served by api/web from the project's own files (offline, no inline script)
        redoc_url=None,
    )
    install_error_handlers(app)
    portals = settings.portal_origins()
    frame_ancestors = " ".join([settings.frame_ancestors, *portals])
    app.add_middleware(SecurityHeaders, frame_ancestors=frame_ancestors)
    if portals:  # the embedding portals may call the public API from their pages
        app.add_middleware(
            CORSMiddleware,
            allow_origins=portals,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-Conversation-Token"],
            max_age=600,
        )
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_request_bytes,
        # The desk's uploads, and the widget's to the FSD its conversation opened.
        upload_pattern=rf"{API_PREFIX}/(conversations/[A-Za-z0-9_-]+/)?fsd/[0-9]+/attachments",
        upload_max_bytes=settings.fsd_max_attachment_bytes + 64 * 1024,
    )
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(webhook_router)
    app.include_router(web_router)
    if settings.dsfr_dir.is_dir():
        app.mount("/static/dsfr", StaticFiles(directory=settings.dsfr_dir), name="dsfr")
    else:
        logger.warning("DSFR not found in %s: run `make install`", settings.dsfr_dir)
    if (settings.dsfr_chart_dir / "DSFRChart").is_dir():
        app.mount(
            "/static/dsfr-chart",
            StaticFiles(directory=settings.dsfr_chart_dir / "DSFRChart"),
            name="dsfr-chart",
        )
    if settings.swagger_ui_dir.is_dir():
        app.mount(
            "/static/swagger-ui", StaticFiles(directory=settings.swagger_ui_dir), name="swagger"
        )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
