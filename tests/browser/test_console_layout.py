"""The advisors' console as an advisor sees it: three panes on a wide screen with the reply and the
close form in view, one column on a phone, the transcript at its latest message, button clicks
shown as such, the tab title and notifications for new requests, keyboard shortcuts, no serious
accessibility violation. Users talk to the API as the widget does (HTTP, conversation token);
screenshots of each state go to var/screenshots/console-*.png."""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import create_account
from tests.stack import ROOT

ADVISOR = "conseiller-ecran"
PASSWORD = "un-mot-de-passe-solide"
CATEGORY = "Support outil Chorus Pro"
TITLE = "Console des conseillers – Assistant Chorus"
SCREENSHOTS = ROOT / "var" / "screenshots"
WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# A stand-in for the browser's Notification API: permission asked, notifications recorded.
FAKE_NOTIFICATIONS = """
window.__notified = [];
window.__asked = 0;
class FakeNotification {
  constructor(title, options) { window.__notified.push(title); }
  addEventListener() {}
  static requestPermission() {
    window.__asked += 1;
    FakeNotification.permission = "granted";
    return Promise.resolve("granted");
  }
}
FakeNotification.permission = "default";
window.Notification = FakeNotification;
"""


@dataclass
class Visitor:
    """A user of the chat, talking to the API as the widget does."""

    api_url: str
    conversation_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    token: str | None = None

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"X-Conversation-Token": self.token} if self.token else {}
        url = f"{self.api_url}/api/v1/conversations/{self.conversation_id}{path}"
        response = httpx.post(url, json=body, headers=headers, timeout=60)
        assert response.status_code in (200, 201), response.text
        reply: dict[str, Any] = response.json()
        self.token = reply.get("conversation_token") or self.token
        return reply

    def say(self, text: str) -> dict[str, Any]:
        return self.post("/messages", {"text": text})

    def click(self, reply: dict[str, Any], title: str) -> dict[str, Any]:
        """Click the button of this title in the bot's reply."""
        [button] = [b for m in reply["messages"] for b in m["buttons"] if b["title"] == title]
        return self.post("/messages", {"payload": button["payload"]})

    def open(self) -> dict[str, Any]:
        return self.post("/messages", {"payload": "/greet"})  # as the widget opens

    def end(self) -> None:
        """The widget's "Terminer": a waiting or active chat with an advisor ends too."""
        self.post("/close", {})


@pytest.fixture(scope="module")
def advisor_account(stack: Any) -> str:
    return create_account(stack, ADVISOR, PASSWORD, "advisor")


@pytest.fixture
def visitors(stack: Any) -> Iterator[list[Visitor]]:
    """The users a test hands off; their conversations end afterwards (the queue is shared)."""
    made: list[Visitor] = []
    yield made
    for visitor in made:
        visitor.end()


def hand_off(stack: Any, visitors: list[Visitor], *typed: str) -> Visitor:
    """A user asks for a human in words, picks the category, then types these messages."""
    visitor = Visitor(stack.api_url)
    visitors.append(visitor)
    visitor.open()
    visitor.click(visitor.say("je voudrais parler à un conseiller"), CATEGORY)
    for text in typed:
        visitor.say(text)
    return visitor


def hand_off_with_clicks_only(stack: Any, visitors: list[Visitor]) -> Visitor:
    """A user clicks a domain, a topic, thumbs the answer down and picks a category: no text."""
    visitor = Visitor(stack.api_url)
    visitors.append(visitor)
    domain = visitor.click(visitor.open(), "Fiche service desk (FSD)")
    answer = visitor.click(domain, "Processus de création d'une Fiche Desk (FSD)")
    [entry] = [m for m in answer["messages"] if m["entry_id"] == "fsd-creation"]
    offer = visitor.post("/feedback", {"message_id": entry["id"], "rating": "down"})
    visitor.click(offer, CATEGORY)
    return visitor


def advisor_queue(stack: Any) -> list[dict[str, Any]]:
    """The queue, as the API gives it to an advisor."""
    token = httpx.post(
        f"{stack.api_url}/api/v1/auth/token", json={"username": ADVISOR, "password": PASSWORD}
    ).json()["access_token"]
    response = httpx.get(
        f"{stack.api_url}/api/v1/console/queue", headers={"Authorization": f"Bearer {token}"}
    )
    return list(response.json())


def waiting(stack: Any) -> list[dict[str, Any]]:
    """The waiting requests, oldest first."""
    return [entry for entry in advisor_queue(stack) if entry["status"] == "waiting"]


@pytest.fixture
def new_console(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Open advisors' pages of a given size (each in its own browser context)."""
    contexts: list[BrowserContext] = []

    def opened(viewport: dict[str, int], init_script: str | None = None) -> Page:
        context = browser.new_context(locale="fr-FR", viewport=viewport)  # type: ignore[arg-type]
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield opened
    for context in contexts:
        context.close()


def log_in(console: Page, stack: Any) -> None:
    console.goto(f"{stack.api_url}/console")
    console.get_by_label("Identifiant").fill(ADVISOR)
    console.get_by_label("Mot de passe").fill(PASSWORD)
    console.get_by_role("button", name="Se connecter").click()
    expect(console.locator("#workspace")).to_be_visible()


def queue_item(console: Page, stack: Any, visitor: Visitor) -> Locator:
    """The queue's item of this user's request."""
    [handoff] = [
        e["id"] for e in advisor_queue(stack) if e["conversation_id"] == visitor.conversation_id
    ]
    return console.locator(f'#queue-list [data-handoff="{handoff}"]')


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not displayed"
    return {"x": found["x"], "y": found["y"], "width": found["width"], "height": found["height"]}


def in_viewport(locator: Locator, viewport: dict[str, int]) -> bool:
    b = box(locator)
    return (
        b["x"] >= 0
        and b["y"] >= 0
        and b["x"] + b["width"] <= viewport["width"]
        and b["y"] + b["height"] <= viewport["height"]
    )


def transcript_at_bottom(console: Page) -> bool:
    return bool(
        console.evaluate(
            """() => { const t = document.getElementById('transcript');
                 return t.scrollHeight > t.clientHeight
                   && t.scrollHeight - t.scrollTop - t.clientHeight <= 2; }"""
        )
    )


def check_accessibility(console: Page, state: str) -> None:
    """No serious or critical axe violation; a screenshot of the state for reviewers."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    console.screenshot(path=str(SCREENSHOTS / f"console-{state}.png"))
    results = Axe().run(console)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{state}: {results.generate_report()}"


LONG_CHAT = [
    f"Message {n} : ma facture FAC-{n:03d} est rejetée par Chorus Pro depuis ce matin, "
    "le motif affiché ne correspond pas à la pièce jointe."
    for n in range(1, 13)
]


def test_wide_screen_three_panes_reply_and_close_in_view_transcript_at_the_latest(
    new_console: Callable[..., Page], stack: Any, advisor_account: str, visitors: list[Visitor]
) -> None:
    visitor = hand_off(stack, visitors, *LONG_CHAT)
    console = new_console(WIDE)
    log_in(console, stack)
    item = queue_item(console, stack, visitor)
    expect(item).to_contain_text(LONG_CHAT[-1])
    check_accessibility(console, "queue")

    item.get_by_role("button", name="Prendre en charge").click()
    expect(console.locator("#transcript")).to_contain_text(LONG_CHAT[-1])
    expect(console.locator("#chat-title")).to_have_text(f"Conversation – {CATEGORY}")

    # Side by side, top-aligned, left to right.
    queue, chat, context = (
        box(console.locator(s)) for s in ("#queue", "#conversation", "#details")
    )
    assert queue["x"] + queue["width"] <= chat["x"]
    assert chat["x"] + chat["width"] <= context["x"]
    assert abs(queue["y"] - chat["y"]) < 2 and abs(chat["y"] - context["y"]) < 2
    # The page does not scroll: the reply, the send button and the close form are in view.
    assert console.evaluate("document.documentElement.scrollHeight") <= WIDE["height"]
    assert console.evaluate("window.scrollY") == 0
    for selector in ("#reply-text", "#reply-send", "#close-form", "#close-send"):
        assert in_viewport(console.locator(selector), WIDE), selector
    # Opened at the latest message, and it stays there when the user writes.
    assert transcript_at_bottom(console)
    visitor.say("Je vous joins la capture d'écran du rejet.")
    expect(console.locator("#transcript")).to_contain_text("capture d'écran du rejet")
    assert transcript_at_bottom(console)
    expect(console.locator("#transcript-new")).to_be_hidden()
    check_accessibility(console, "claimed")

    # Scrolled up to read: a new message does not move the view, a button offers to jump.
    console.locator("#transcript").evaluate("(t) => { t.scrollTop = 0; }")
    visitor.say("Le numéro d'engagement est 4500012345.")
    expect(console.locator("#transcript")).to_contain_text("4500012345")
    expect(console.get_by_role("button", name="Nouveaux messages")).to_be_visible()
    assert console.locator("#transcript").evaluate("(t) => t.scrollTop") == 0
    console.get_by_role("button", name="Nouveaux messages").click()
    assert transcript_at_bottom(console)
    expect(console.locator("#transcript")).to_be_focused()

    console.get_by_label("Issue de l'échange").select_option(label="Demande résolue")
    console.get_by_label("Note (facultatif)").fill("Rejet expliqué, facture à redéposer.")
    check_accessibility(console, "closing")
    console.get_by_role("button", name="Clore l'échange").click()
    expect(console.locator("#console-status")).to_contain_text("Échange clos")
    expect(console.locator("#chat")).to_be_hidden()
    expect(console.locator("#chat-empty")).to_be_visible()


def test_on_a_phone_the_panes_stack_in_one_column(
    new_console: Callable[..., Page], stack: Any, advisor_account: str, visitors: list[Visitor]
) -> None:
    visitor = hand_off(stack, visitors, "Ma facture est bloquée au statut « à valider ».")
    console = new_console(PHONE)
    log_in(console, stack)
    queue_item(console, stack, visitor).get_by_role("button", name="Prendre en charge").click()
    expect(console.locator("#transcript")).to_contain_text("« à valider »")

    queue, chat, context = (
        box(console.locator(s)) for s in ("#queue", "#conversation", "#details")
    )
    assert queue["x"] == chat["x"] == context["x"]
    assert queue["y"] + queue["height"] <= chat["y"]
    assert chat["y"] + chat["height"] <= context["y"]
    assert all(b["width"] >= PHONE["width"] - 40 for b in (queue, chat, context))
    assert console.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    console.screenshot(path=str(SCREENSHOTS / "console-phone.png"), full_page=True)


def test_button_clicks_show_as_buttons_and_the_queue_shows_no_typed_text(
    new_console: Callable[..., Page], stack: Any, advisor_account: str, visitors: list[Visitor]
) -> None:
    visitor = hand_off_with_clicks_only(stack, visitors)
    console = new_console(WIDE)
    log_in(console, stack)

    item = queue_item(console, stack, visitor)
    last = item.locator(".console-queue-text")
    expect(last.locator("[aria-hidden='true']")).to_have_text("—")
    expect(last).not_to_contain_text(CATEGORY)

    item.get_by_role("button", name="Prendre en charge").click()
    transcript = console.locator("#transcript")
    expect(transcript).to_contain_text("Bouton : Fiche service desk (FSD)")
    expect(transcript).to_contain_text("Bouton : Processus de création d'une Fiche Desk (FSD)")
    expect(transcript).to_contain_text(f"Bouton : {CATEGORY}")
    expect(transcript).not_to_contain_text("/greet")
    expect(transcript).not_to_contain_text("/choose_handoff_category")
    user_lines = transcript.locator(".console-msg--user")
    expect(user_lines).to_have_count(3)


def test_the_tab_title_counts_waiting_requests_and_a_hidden_tab_is_notified(
    new_console: Callable[..., Page], stack: Any, advisor_account: str, visitors: list[Visitor]
) -> None:
    console = new_console(WIDE, FAKE_NOTIFICATIONS)
    log_in(console, stack)
    before = len(waiting(stack))
    expect(console).to_have_title(f"({before}) {TITLE}" if before else TITLE)
    assert console.evaluate("window.__asked") == 0  # never asked on load

    console.get_by_role("button", name="Activer les notifications").click()
    expect(console.locator("#console-status")).to_contain_text("Notifications activées")
    expect(console.get_by_role("button", name="Activer les notifications")).to_be_hidden()
    console.evaluate("Object.defineProperty(document, 'hidden', {get: () => true})")

    hand_off(stack, visitors, "Bonjour, mon dossier de frais de justice est bloqué.")
    expect(console).to_have_title(f"({before + 1}) {TITLE}")
    assert console.evaluate("window.__notified") == [f"Nouvelle demande en attente : {CATEGORY}"]

    hand_off(stack, visitors)
    expect(console).to_have_title(f"({before + 2}) {TITLE}")


def test_keyboard_shortcuts_claim_pick_a_canned_response_and_send(
    new_console: Callable[..., Page], stack: Any, advisor_account: str, visitors: list[Visitor]
) -> None:
    visitor = hand_off(stack, visitors, "Ma demande de paiement n'apparaît pas.")
    console = new_console(WIDE)
    log_in(console, stack)
    expect(console.locator("#queue")).to_contain_text("Raccourcis clavier")
    expect(queue_item(console, stack, visitor)).to_be_visible()
    oldest = waiting(stack)[0]["conversation_id"]
    assert oldest == visitor.conversation_id, "an older request waits: Alt+P takes the oldest"

    console.keyboard.press("Alt+p")
    expect(console.locator("#transcript")).to_contain_text("Ma demande de paiement n'apparaît pas.")
    expect(console.get_by_label("Votre réponse")).to_be_focused()

    console.keyboard.press("Alt+r")
    expect(console.get_by_label("Réponses types")).to_be_focused()

    console.get_by_label("Votre réponse").fill("Pouvez-vous me donner le numéro de la demande ?")
    console.keyboard.press("Control+Enter")
    expect(console.locator("#transcript .console-msg--agent").last).to_contain_text(
        "Pouvez-vous me donner le numéro de la demande ?"
    )
    expect(console.get_by_label("Votre réponse")).to_have_value("")
    reply = httpx.get(
        f"{stack.api_url}/api/v1/conversations/{visitor.conversation_id}",
        headers={"X-Conversation-Token": visitor.token or ""},
    ).json()
    assert reply["messages"][-1]["sender"] == "agent"
    assert reply["messages"][-1]["text"] == "Pouvez-vous me donner le numéro de la demande ?"
