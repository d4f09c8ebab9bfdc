"""The chat page."""

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.auth import identity
from api.core.config import Settings
from api.core.deps import SettingsDep
from api.core.text import is_email
from knowledge_base.vocabulary import APPLICATIONS

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


_PROFILE_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,30}$")


def page_profile(
    *,
    application: str | None,
    role: str | None,
    ministere: str | None,
    email: str | None = None,
) -> dict[str, str]:
    """The profile the demo page puts in the URL; malformed values are dropped."""
    values = {"application": application, "role": role, "ministry_code": ministere}
    profile = {k: v for k, v in values.items() if v and _PROFILE_VALUE.match(v)}
    if email and is_email(email):
        profile["email"] = email
    return profile


def widget_attributes(*, profile: dict[str, str], settings: Settings) -> dict[str, str]:
    """The widget's data attributes: the declared application and ministry, and, outside
    production, an identity token the page signs as the Chorus portal would."""
    attributes = {"application": profile.get("application", "")}
    attributes["ministry-code"] = profile.get("ministry_code", "")
    claims = {k: v for k, v in profile.items() if k in ("role", "ministry_code", "email")}
    if claims:
        claims["sub"] = claims.get("email") or f"demo-{claims.get('role', 'user').lower()}"
        token = identity.sign_demo(claims=claims, settings=settings, now=identity.utc_now())
        attributes["identity-token"] = token or ""
    return {k: v for k, v in attributes.items() if v}


@router.get("/", response_class=HTMLResponse)
async def chat_page(
    request: Request,
    settings: SettingsDep,
    application: Annotated[str | None, Query(max_length=30)] = None,
    role: Annotated[str | None, Query(max_length=30)] = None,
    ministere: Annotated[str | None, Query(max_length=30)] = None,
    email: Annotated[str | None, Query(max_length=254)] = None,
) -> HTMLResponse:
    """Serve the chat page; ?application=&role=&ministere=&email= set the profile; outside
    production the page signs it, as the Chorus portal signs its users' profile."""
    return TEMPLATES.TemplateResponse(
        request,
        "chat.html",
        {
            "title": "Assistant Chorus",
            "api_base": "",
            "max_text_length": settings.max_text_length,
            "max_attachment_bytes": settings.fsd_max_attachment_bytes,
            "profile": widget_attributes(
                profile=page_profile(
                    application=application, role=role, ministere=ministere, email=email
                ),
                settings=settings,
            ),
            "embedded": False,
        },
    )


@router.get("/embed", response_class=HTMLResponse)
async def embedded_chat(
    request: Request,
    settings: SettingsDep,
    application: Annotated[str | None, Query(max_length=30)] = None,
    ministere: Annotated[str | None, Query(max_length=30)] = None,
) -> HTMLResponse:
    """The widget alone, for the panel embed.js opens in a portal's page (framed only by the
    portals of EMBED_ORIGINS); the signed profile arrives from the portal by postMessage."""
    declared = page_profile(application=application, role=None, ministere=ministere)
    attributes = {"application": declared.get("application", "")}
    attributes["ministry-code"] = declared.get("ministry_code", "")
    return TEMPLATES.TemplateResponse(
        request,
        "embed.html",
        {
            "api_base": "",
            "max_text_length": settings.max_text_length,
            "max_attachment_bytes": settings.fsd_max_attachment_bytes,
            "profile": {k: v for k, v in attributes.items() if v},
            "embedded": True,
            "parent_origins": " ".join(settings.portal_origins()),
        },
    )


@router.get("/console", response_class=HTMLResponse)
async def console_page(request: Request) -> HTMLResponse:
    """Serve the LiveChat advisors' console (login, queue, chat)."""
    return TEMPLATES.TemplateResponse(
        request, "console.html", {"title": "Console des conseillers – Assistant Chorus"}
    )


@router.get("/docs", response_class=HTMLResponse)
async def docs_page(request: Request) -> HTMLResponse:
    """The OpenAPI schema in Swagger UI, from the project's own files."""
    return TEMPLATES.TemplateResponse(request, "docs.html", {})


@router.get("/admin", response_class=HTMLResponse)
async def admin_page(request: Request) -> HTMLResponse:
    """Serve the review console (admins: inbox, teaching, audit log)."""
    return TEMPLATES.TemplateResponse(
        request,
        "admin.html",
        {"title": "Console de relecture – Assistant Chorus", "applications": APPLICATIONS},
    )
