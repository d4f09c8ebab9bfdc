"""The chat page."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import SettingsDep

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def chat_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    """Serve the chat page with the widget."""
    return TEMPLATES.TemplateResponse(
        request,
        "chat.html",
        {"title": "Assistant Chorus", "api_base": "", "max_text_length": settings.max_text_length},
    )
