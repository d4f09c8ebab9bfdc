"""Application factory: routers, static files, lifespan (database, Rasa client, taxonomy)."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.auth.router import router as auth_router
from api.conversations.router import router as conversations_router
from api.core.config import Settings, get_settings
from api.core.db import create_engine, create_session_factory
from api.core.errors import install_error_handlers
from api.core.limits import BodySizeLimit
from api.core.rasa import RasaClient
from api.core.realtime import create_notifier
from api.fsd.desk import desk_from
from api.fsd.router import conversation_router as fsd_conversation_router
from api.fsd.router import integration_router
from api.fsd.router import router as fsd_router
from api.handoff.flows import LiveChat
from api.handoff.hours import Clock, opening_hours_from, system_clock
from api.handoff.router import console_router
from api.handoff.router import router as handoff_router
from api.health.router import router as health_router
from api.knowledge.router import admin_router as knowledge_admin_router
from api.knowledge.router import router as knowledge_router
from api.knowledge.service import MatcherIndex
from api.nlu.router import router as nlu_router
from api.notifications.service import OutboxWorker, SmtpMailer
from api.review.router import admin_router as review_admin_router
from api.review.router import router as review_router
from api.web.router import router as web_router
from knowledge_base.taxonomy import load_domains

logger = logging.getLogger("api")
STATIC_DIR = Path(__file__).parent / "web" / "static"


def create_app(settings: Settings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    """Build the API application for the given settings (the environment's by default).

    `clock` tells the time to the LiveChat opening hours (tests set it).
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        app.state.settings = settings
        app.state.engine = engine
        app.state.session_factory = create_session_factory(engine)
        app.state.domains = load_domains(settings.domains_file)
        app.state.matcher_index = MatcherIndex()
        app.state.rasa = RasaClient(
            base_url=settings.rasa_url,
            timeout_seconds=settings.rasa_timeout_seconds,
            max_in_flight=settings.rasa_max_in_flight,
        )
        app.state.outbox = OutboxWorker(
            sessions=app.state.session_factory,
            mailer=SmtpMailer(
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.smtp_sender,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value()
                if settings.smtp_password
                else None,
                starttls=settings.smtp_starttls,
            ),
            poll_seconds=settings.outbox_poll_seconds,
        )
        await app.state.outbox.start()
        app.state.notifier = create_notifier(settings.realtime_redis_url)
        await app.state.notifier.start()
        app.state.livechat = LiveChat(
            rasa=app.state.rasa,
            notifier=app.state.notifier,
            hours=opening_hours_from(settings),
            clock=clock,
            wake_outbox=app.state.outbox.wake,
            desk=desk_from(
                url=settings.fsd_desk_url,
                api_key=settings.fsd_desk_api_key.get_secret_value()
                if settings.fsd_desk_api_key
                else None,
            ),
        )
        try:
            yield
        finally:
            await app.state.outbox.aclose()
            await app.state.notifier.aclose()
            await app.state.rasa.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Assistant Chorus API",
        version="1.0.0",
        description="Gateway of the Chorus support assistant: chat, knowledge, health.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_request_bytes,
        upload_pattern=r"/api/v1/fsd/[0-9]+/attachments",
        upload_max_bytes=settings.fsd_max_attachment_bytes + 64 * 1024,
    )
    for router in (
        conversations_router,
        knowledge_router,
        knowledge_admin_router,
        nlu_router,
        handoff_router,
        fsd_router,
        fsd_conversation_router,
        integration_router,
        console_router,
        auth_router,
        review_router,
        review_admin_router,
        health_router,
        web_router,
    ):
        app.include_router(router)
    if settings.dsfr_dir.is_dir():
        app.mount("/static/dsfr", StaticFiles(directory=settings.dsfr_dir), name="dsfr")
    else:
        logger.warning("DSFR not found in %s: run `make install`", settings.dsfr_dir)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
