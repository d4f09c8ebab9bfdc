"""The widget in another site's page with one tag (embed.js): a launcher opens a panel with the
chat, keyboard and screen-reader friendly, full screen on a phone; the portal's signed profile
reaches it by postMessage; only the configured portal may frame it and call the API."""

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, FrameLocator, Page, expect

from tests.browser.test_widget_layout import no_serious_violation, shot
from tests.tokens import cca_identity

PORTAL_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Portail Chorus Pro (démo)</title></head>
<body><main><h1>Portail Chorus Pro</h1><p>Une page du portail.</p></main>
<script src="{api}/static/embed.js" data-application="chorus_pro" data-ministry-code="MIN06"
        data-identity-token="{token}" defer></script>
</body></html>"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def portal(stack: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A portal's page on another origin (the one EMBED_ORIGINS names), with the tag."""
    root: Path = tmp_path_factory.mktemp("portal")
    (root / "index.html").write_text(
        PORTAL_PAGE.format(api=stack.api_url, token=cca_identity()), encoding="utf-8"
    )
    server = ThreadingHTTPServer(("127.0.0.1", stack.portal_port), partial(_Quiet, directory=root))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stack.portal_url + "/index.html"
    server.shutdown()


def chat(page: Page) -> FrameLocator:
    return page.frame_locator("iframe[title='Assistant Chorus']")


def test_one_tag_gives_a_launcher_and_a_chat_panel_with_the_signed_profile(
    page: Page, portal: str
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(portal)
    launcher = page.get_by_role("button", name="Assistant Chorus")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    shot(page, "embed-closed")
    no_serious_violation(page)

    launcher.click()

    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("dialog", name="Assistant Chorus")).to_be_visible()
    expect(chat(page).locator(".chat-msg--bot").first).to_contain_text("Bonjour", timeout=30_000)
    expect(chat(page).get_by_role("button", name="Envoyer", exact=True)).to_be_enabled()
    chat(page).locator("#chat-input").fill("je veux ouvrir une fiche service desk")
    chat(page).locator("#chat-input").press("Enter")
    # The portal signed a CCA: the FSD form starts (an anonymous user would be sent to a CCA).
    expect(chat(page).locator(".chat-msg--bot").last).to_contain_text("Quel titre", timeout=30_000)
    shot(page, "embed-open")
    no_serious_violation(page)

    chat(page).locator("#chat-input").press("Escape")  # from inside the chat

    expect(page.get_by_role("dialog", name="Assistant Chorus")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_on_a_phone_the_panel_takes_the_whole_screen(browser: Browser, portal: str) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(portal)
        page.get_by_role("button", name="Assistant Chorus").click()
        panel = page.get_by_role("dialog", name="Assistant Chorus")
        expect(chat(page).locator(".chat-msg--bot").first).to_contain_text(
            "Bonjour", timeout=30_000
        )

        seen = panel.bounding_box()
        assert seen is not None
        assert (seen["x"], seen["y"], seen["width"], seen["height"]) == (0, 0, 390, 844)
        expect(chat(page).locator("#chat-input")).to_be_in_viewport()
        shot(page, "embed-phone")
        page.get_by_role("button", name="Fermer l'assistant").click()
        expect(page.get_by_role("button", name="Assistant Chorus")).to_be_visible()
    finally:
        context.close()


def test_only_the_configured_portal_may_frame_the_chat_and_call_the_api(
    stack: Any, portal: str
) -> None:
    page = httpx.get(f"{stack.api_url}/embed")
    allowed = httpx.options(
        f"{stack.api_url}/api/v1/conversations/abcdefgh12/messages",
        headers={
            "Origin": stack.portal_url,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-conversation-token",
        },
    )
    other = httpx.options(
        f"{stack.api_url}/api/v1/conversations/abcdefgh12/messages",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )

    assert f"frame-ancestors 'self' {stack.portal_url}" in page.headers["content-security-policy"]
    assert allowed.headers["access-control-allow-origin"] == stack.portal_url
    assert "access-control-allow-origin" not in other.headers
