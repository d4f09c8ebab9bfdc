"""LiveChat in two browser contexts: a user is handed off, an advisor takes the conversation in
the console, they chat, the advisor closes and the user is asked for a rating."""

from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import create_account, fresh_page
from tests.browser.test_chat_page import BOT_TEXTS, open_chat

ADVISOR = "conseillere-web"
PASSWORD = "un-mot-de-passe-solide"


@pytest.fixture(scope="module")
def advisor_account(stack: Any) -> str:
    """An advisor account created with the documented command."""
    return create_account(stack, ADVISOR, PASSWORD, "advisor")


@pytest.fixture
def console(browser: Browser) -> Iterator[Page]:
    """A second browser context: the advisor's."""
    with fresh_page(browser) as opened:
        yield opened


def log_in(console: Page, stack: Any, username: str, password: str) -> None:
    console.goto(f"{stack.api_url}/console")
    console.get_by_label("Identifiant").fill(username)
    console.get_by_label("Mot de passe").fill(password)
    console.get_by_role("button", name="Se connecter").click()


def test_a_user_and_an_advisor_chat_then_the_user_rates_the_chat(
    page: Page, console: Page, stack: Any, advisor_account: str
) -> None:
    # The user asks for a human and picks a category.
    open_chat(page, stack)
    page.locator("#chat-input").fill("je voudrais parler à un conseiller")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Support outil Chorus Pro").click()
    expect(page.locator(BOT_TEXTS).last).to_contain_text("Je transmets votre demande")
    expect(page.locator("#chat-handoff")).to_have_text(
        "En attente d'un conseiller : vous êtes le prochain."
    )
    page.locator("#chat-input").fill("Ma facture <b>FAC-77</b> est rejetée")
    page.keyboard.press("Enter")

    # The advisor logs in (a wrong password first), sees the queue and claims.
    log_in(console, stack, advisor_account, "mauvais mot de passe")
    expect(console.locator("#console-status")).to_have_text(
        "Identifiant ou mot de passe incorrect."
    )
    console.get_by_label("Mot de passe").fill(PASSWORD)
    console.get_by_role("button", name="Se connecter").click()
    row = console.locator("#queue-list li", has_text="Ma facture <b>FAC-77</b> est rejetée")
    expect(row).to_contain_text("En attente (1)")
    expect(console.locator("#queue-list h3")).to_contain_text("Support outil Chorus Pro")
    row.get_by_role("button", name="Prendre en charge").click()
    expect(console.locator("#transcript")).to_contain_text("Ma facture <b>FAC-77</b> est rejetée")
    expect(console.locator("#context")).to_contain_text("Demande de l'usager")
    assert console.locator("#transcript b").count() == 0  # escaped, not rendered

    # The user is told an advisor joined.
    expect(page.locator(BOT_TEXTS).last).to_contain_text("Un conseiller a rejoint la conversation")
    expect(page.locator("#chat-handoff")).to_have_text("Vous échangez avec un conseiller.")

    # Advisor -> user, with a canned response.
    console.get_by_label("Réponses types").select_option(label="Accueil")
    expect(console.get_by_label("Votre réponse")).to_have_value(
        "Bonjour, je suis conseiller du support. J'ai pris connaissance de votre échange avec "
        "l'assistant et je regarde votre demande."
    )
    console.get_by_role("button", name="Envoyer", exact=True).click()
    agent = page.locator("#chat-log .chat-msg--agent").last
    expect(agent).to_contain_text("Conseiller")
    expect(agent).to_contain_text("je suis conseiller du support")

    # User -> advisor.
    page.locator("#chat-input").fill("Elle date du 3 novembre")
    page.keyboard.press("Enter")
    expect(console.locator("#transcript")).to_contain_text("Elle date du 3 novembre")

    results = Axe().run(console)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()

    # The advisor closes; the bot takes over and asks the user for a rating.
    console.get_by_label("Issue de l'échange").select_option(label="Demande résolue")
    console.get_by_role("button", name="Clore l'échange").click()
    expect(console.locator("#console-status")).to_contain_text("Échange clos")
    expect(console.locator("#queue-list")).to_contain_text("Aucune conversation en attente.")

    expect(page.locator(BOT_TEXTS).last).to_contain_text(
        "Comment évaluez-vous cet échange avec le conseiller"
    )
    expect(page.locator("#chat-handoff")).to_be_hidden()
    page.get_by_label("5 étoiles").check()
    page.get_by_role("button", name="Envoyer mon évaluation").click()
    expect(page.locator("#chat-log")).to_contain_text("Merci pour votre évaluation.")


def test_the_console_refuses_an_account_that_is_not_an_advisor(console: Page, stack: Any) -> None:
    create_account(stack, "admin-web", PASSWORD, "admin")

    log_in(console, stack, "admin-web", PASSWORD)

    expect(console.locator("#console-status")).to_have_text(
        "Ce compte n'est pas un compte de conseiller."
    )
    expect(console.locator("#workspace")).to_be_hidden()


def test_the_advisor_sees_when_the_user_ends_the_conversation(
    page: Page, console: Page, stack: Any, advisor_account: str
) -> None:
    open_chat(page, stack)
    page.locator("#chat-input").fill("un humain svp")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Question métier (facture, mémoire, dossier)").click()
    expect(page.locator("#chat-handoff")).to_contain_text("En attente d'un conseiller")
    page.locator("#chat-input").fill("Où en est mon mémoire de frais de justice ?")
    page.keyboard.press("Enter")
    log_in(console, stack, advisor_account, PASSWORD)
    row = console.locator("#queue-list li", has_text="Où en est mon mémoire de frais de justice ?")
    row.get_by_role("button", name="Prendre en charge").click()
    expect(page.locator("#chat-handoff")).to_have_text("Vous échangez avec un conseiller.")

    page.get_by_role("button", name="Terminer et évaluer").click()

    expect(page.get_by_label("1 étoile")).to_be_focused()
    expect(page.locator("#chat-handoff")).to_be_hidden()
    expect(console.locator("#console-status")).to_have_text(
        "L'usager a mis fin à l'échange : la conversation est revenue à l'assistant."
    )
    expect(console.locator("#chat")).to_be_hidden()
