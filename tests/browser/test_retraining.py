"""Retraining from the review page, in a real browser against a stack of its own: a wording the
bot did not understand becomes a training example of a domain, the admin trains and loads a new
model with one button, the running Rasa server answers with it at once, and a conversation that
was going on before the load goes on."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import create_account, fresh_page
from tests.browser.test_admin import NOT_UNDERSTOOD, PASSWORD, WORDING, ask, log_in
from tests.browser.test_chat_page import BOT_TEXTS
from tests.stack import Stack

TRAINER = "entraineur-web"
TRAINING_TIMEOUT_MS = 12 * 60 * 1000  # training, scoring two models, loading: minutes on 2 cores


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own: the new model does not leak into the other browser tests."""
    running = Stack(workdir=tmp_path_factory.mktemp("retraining")).start()
    try:
        yield running
    finally:
        running.stop()


def rasa(stack: Stack, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A call to Rasa's HTTP API, with and only with the stack's token."""
    return httpx.request(
        method, f"{stack.rasa_url}{path}", params={"token": stack.rasa_token}, timeout=30, **kwargs
    )


def test_a_staged_example_is_trained_and_loaded_without_dropping_a_conversation(
    browser: Browser, own_stack: Stack
) -> None:
    create_account(own_stack, TRAINER, PASSWORD, "admin")
    assert httpx.get(f"{own_stack.rasa_url}/status").status_code == 401  # the API needs the token
    before = rasa(own_stack, "GET", "/status").json()["model_file"]

    with fresh_page(browser) as user, fresh_page(browser) as admin:
        assert NOT_UNDERSTOOD in ask(user, own_stack.api_url, WORDING)
        conversation_id = user.evaluate("sessionStorage.getItem('assistant.conversation_id')")

        log_in(admin, own_stack.api_url, TRAINER, PASSWORD)
        line = admin.locator("#inbox-list > li", has_text=WORDING)
        line.get_by_label("Domaine de l'exemple pour le modèle").select_option(label="Connexion")
        line.get_by_role("button", name="Exemple pour le domaine Connexion").click()
        expect(line).to_contain_text("Exemple ajouté pour le prochain modèle")

        admin.get_by_role("button", name="Modèle").click()
        examples = admin.locator("#model-examples")
        expect(examples.locator("tr", has_text=WORDING)).to_contain_text("en attente")
        admin.get_by_role("button", name="Entraîner et charger le modèle").click()
        expect(admin.locator("#model-progress")).to_contain_text("Entraînement n°")
        status = admin.locator("#model-runs tr").first.locator("td").nth(2)
        expect(status).to_have_text("en service", timeout=TRAINING_TIMEOUT_MS)
        expect(examples.locator("tr", has_text=WORDING)).to_contain_text("appris")
        expect(admin.locator("#model-train")).to_be_enabled()
        expect(admin.locator("#audit-list")).to_contain_text("Entraînement du modèle")

        live = rasa(own_stack, "GET", "/status").json()["model_file"]
        assert live != before
        expect(admin.locator("#model-live")).to_contain_text(live.removesuffix(".tar.gz"))
        parsed = rasa(own_stack, "POST", "/model/parse", json={"text": WORDING}).json()
        assert parsed["intent"]["name"] == "connexion"

        # The conversation started before the load goes on, with its history; with no entry
        # for it the wording is still not answered, but the inbox now shows the domain.
        count = user.locator(BOT_TEXTS).count()
        user.locator("#chat-input").fill(WORDING)
        user.keyboard.press("Enter")
        expect(user.locator(BOT_TEXTS)).not_to_have_count(count)
        tracker = rasa(own_stack, "GET", f"/conversations/{conversation_id}/tracker").json()
        said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
        assert said.count(WORDING) == 2

        admin.get_by_role("button", name="À relire").click()
        admin.locator("#inbox-refresh").click()
        again = admin.locator("#inbox-list > li", has_text=WORDING)
        expect(again).to_contain_text("domaine deviné : connexion")
