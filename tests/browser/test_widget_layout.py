"""The widget as people see it, measured from element boxes and computed colours, at desktop
(1280×800) and mobile (390×844) sizes: the input in view, one scroll container, the start of
answers visible, readable buttons in every state, icons rather than emoji, the thumbs and stars.
Screenshots of the main states go to var/screenshots/ for people to look at."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.test_chat_page import BOT_TEXTS
from tests.stack import ROOT

SCREENSHOTS = ROOT / "var" / "screenshots"
SIZES = {"desktop": (1280, 800), "mobile": (390, 844)}
LONG_QUESTION = "comment ajouter un tiers dans un EJ ?"
REPLY_MS = 30_000  # a bot reply on a loaded CI machine


@pytest.fixture(params=list(SIZES), ids=list(SIZES))
def sized(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Page]]:
    width, height = SIZES[request.param]
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        yield request.param, page
    finally:
        context.close()


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, locator
    return dict(found)


def in_viewport(page: Page, locator: Locator) -> bool:
    """Whether the element is wholly inside the viewport, without scrolling the page."""
    seen = box(locator)
    size = page.viewport_size
    assert size is not None
    return seen["y"] >= 0 and seen["y"] + seen["height"] <= size["height"]


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"widget-{name}.png"))


def no_serious_violation(page: Page) -> None:
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()


def contrast(page: Page, locator: Locator) -> float:
    """The WCAG contrast ratio of the element's text on its background, as computed now."""
    return float(
        locator.evaluate(
            """(el) => {
              const rgb = (c) => c.match(/[0-9.]+/g).slice(0, 3).map(Number);
              const lum = ([r, g, b]) => {
                const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
              };
              const style = getComputedStyle(el);
              const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
              return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            }"""
        )
    )


def opened(page: Page, stack: Any) -> None:
    """The chat page, once the greeting is there (Enter waits while a message is on its way)."""
    page.goto(f"{stack.api_url}/")
    expect(page.locator(BOT_TEXTS).first).to_contain_text("Bonjour", timeout=REPLY_MS)
    expect(page.get_by_role("button", name="Envoyer", exact=True)).to_be_enabled()
    # Measured once the fonts are there (they change the heights) and the layout settled.
    page.evaluate("document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(r)))")


def ask(page: Page, text: str) -> None:
    page.locator("#chat-input").fill(text)
    page.keyboard.press("Enter")


def scrolled_page(page: Page) -> int:
    return int(page.evaluate("window.scrollY"))


def test_the_greeting_and_the_input_are_in_view_on_load(
    sized: tuple[str, Page], stack: Any
) -> None:
    name, page = sized
    opened(page, stack)
    greeting = page.locator(BOT_TEXTS).first

    assert in_viewport(page, page.locator("#chat-input")), "the input is below the fold"
    assert in_viewport(page, page.get_by_role("button", name="Envoyer", exact=True))
    log = box(page.locator("#chat-log"))
    start = box(greeting)
    assert log["y"] <= start["y"] < log["y"] + log["height"], "the greeting is scrolled away"
    assert scrolled_page(page) == 0
    shot(page, f"{name}-greeting")
    no_serious_violation(page)


def test_a_long_answer_starts_in_view_and_only_the_log_scrolls(
    sized: tuple[str, Page], stack: Any
) -> None:
    name, page = sized
    opened(page, stack)
    ask(page, LONG_QUESTION)
    expect(page.locator(".chat-msg--bot")).to_have_count(2, timeout=REPLY_MS)
    answer = page.locator(".chat-msg--bot").last
    expect(answer.locator(".chat-feedback")).to_be_visible(timeout=REPLY_MS)

    log = box(page.locator("#chat-log"))
    start = box(answer)
    assert log["y"] - 1 <= start["y"] < log["y"] + log["height"] - 20, "the answer starts cut"
    assert in_viewport(page, page.locator("#chat-input"))
    assert scrolled_page(page) == 0
    overflow = page.evaluate(
        "[...document.querySelectorAll('.chat-widget *')].filter(e => "
        "['auto', 'scroll'].includes(getComputedStyle(e).overflowY) && "
        "e.scrollHeight > e.clientHeight).map(e => e.id || e.className)"
    )
    assert overflow == ["chat-log"], overflow
    shot(page, f"{name}-answer")
    no_serious_violation(page)


def test_send_buttons_stay_readable_when_hovered(page: Page, stack: Any) -> None:
    opened(page, stack)
    ask(page, LONG_QUESTION)
    page.get_by_role("button", name="Réponse pas utile").last.click(timeout=REPLY_MS)
    expect(page.get_by_role("button", name="Envoyer", exact=True)).to_be_enabled()
    ask(page, "merci, au revoir")
    expect(page.get_by_role("button", name="Envoyer mon évaluation")).to_be_visible(
        timeout=REPLY_MS
    )

    for label in ("Envoyer", "Envoyer mon avis", "Envoyer mon évaluation", "Nouvelle conversation"):
        button = page.get_by_role("button", name=label, exact=True)
        button.scroll_into_view_if_needed()
        at_rest = contrast(page, button)
        button.hover()
        page.wait_for_timeout(300)  # transitions
        hovered = contrast(page, button)
        assert at_rest >= 4.5 and hovered >= 4.5, (label, at_rest, hovered)


def test_thumbs_are_icons_and_a_given_rating_is_shown_after_a_reload(
    page: Page, stack: Any
) -> None:
    opened(page, stack)
    ask(page, LONG_QUESTION)
    up = page.get_by_role("button", name="Réponse utile", exact=True).last
    expect(up).to_be_visible(timeout=REPLY_MS)
    assert up.inner_text().strip() == ""  # an icon, no emoji that may show as a box
    assert re.search(r"fr-icon-thumb-up", up.inner_html())
    page.get_by_role("button", name="Réponse pas utile").last.click()
    page.get_by_role("button", name="Envoyer mon avis").click()
    expect(page.locator("#chat-log")).to_contain_text("Merci pour votre retour.", timeout=REPLY_MS)

    page.reload()

    expect(page.locator(BOT_TEXTS).last).not_to_be_empty(timeout=REPLY_MS)
    expect(page.get_by_role("button", name="Réponse pas utile")).to_have_count(0)
    expect(page.locator(".chat-feedback").last).to_contain_text("Merci pour votre retour.")


def test_the_rating_is_a_five_star_control(page: Page, stack: Any) -> None:
    opened(page, stack)
    ask(page, "merci, au revoir")
    stars = page.locator(".chat-rating__star")
    expect(stars).to_have_count(5, timeout=REPLY_MS)
    assert box(stars.first)["width"] >= 44 and box(stars.first)["height"] >= 44  # touch targets

    page.get_by_label("4 étoiles").check()

    expect(page.locator(".chat-rating__star--on")).to_have_count(4)
    expect(page.locator(".chat-rating__chosen")).to_have_text("4 sur 5")
    shot(page, "rating")
    no_serious_violation(page)
    page.get_by_role("button", name="Envoyer mon évaluation").click()
    expect(page.locator(".chat-rating")).to_contain_text(
        "Merci pour votre évaluation.", timeout=REPLY_MS
    )
