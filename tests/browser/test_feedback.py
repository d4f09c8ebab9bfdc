"""Thumbs up / down, star ratings and the profile, as a user sees them in a real browser."""

from collections.abc import Callable
from typing import Any

import httpx
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.test_chat_page import BOT_TEXTS, open_chat
from tests.browser.test_widget_layout import no_serious_violation, shot

REPLY_MS = 30_000  # a bot reply on a loaded CI machine


def open_fsd_procedure(page: Page) -> None:
    page.get_by_role("button", name="Fiche service desk (FSD)", exact=True).click()
    page.get_by_role("button", name="Processus de création d'une Fiche Desk (FSD)").click()
    expect(page.locator(BOT_TEXTS).last).to_contain_text("Créer incident")


def test_thumbs_down_asks_what_was_wrong_then_offers_a_human(page: Page, stack: Any) -> None:
    open_chat(page, stack)
    open_fsd_procedure(page)

    page.get_by_role("button", name="Réponse pas utile").last.click()
    page.get_by_label("Qu'est-ce qui n'allait pas ? (facultatif)").fill(
        "<b>Je n'ai pas accès</b> à Chorus Desk"
    )
    code = page.get_by_label("Code ministère (facultatif, par exemple MIN06)")
    shot(page, "feedback-form")
    no_serious_violation(page)
    code.fill("pas un code")
    page.get_by_role("button", name="Envoyer mon avis").click()

    expect(page.locator("#chat-status")).to_contain_text("MIN06")
    code.fill("min06")  # the comment typed is still there
    page.get_by_role("button", name="Envoyer mon avis").click()

    expect(page.locator("#chat-log")).to_contain_text("Merci pour votre retour.")
    expect(page.locator(BOT_TEXTS).last).to_contain_text("mis en relation avec un conseiller")
    expect(page.get_by_role("button", name="Support outil Chorus Pro")).to_be_visible()
    conversation_id = page.evaluate("sessionStorage.getItem('assistant.conversation_id')")
    token = page.evaluate("sessionStorage.getItem('assistant.conversation_token')")
    transcript = httpx.get(
        f"{stack.api_url}/api/v1/conversations/{conversation_id}",
        headers={"X-Conversation-Token": token},
    ).json()
    assert any(m["entry_id"] == "fsd-creation" for m in transcript["messages"])


def test_thumbs_up_thanks_the_user(page: Page, stack: Any) -> None:
    open_chat(page, stack)
    open_fsd_procedure(page)

    page.get_by_role("button", name="Réponse utile", exact=True).last.click()

    expect(page.locator(".chat-feedback__thanks").last).to_have_text("Merci pour votre retour.")
    expect(page.get_by_role("button", name="Réponse pas utile")).to_have_count(0)


def test_goodbye_asks_for_stars_and_the_rating_is_sent(page: Page, stack: Any) -> None:
    open_chat(page, stack)
    page.locator("#chat-input").fill("merci, au revoir")
    page.keyboard.press("Enter")

    expect(page.get_by_role("group", name="Votre évaluation de la conversation")).to_be_visible()
    page.get_by_role("button", name="Envoyer mon évaluation").click()
    expect(page.locator("#chat-status")).to_have_text("Choisissez de 1 à 5 étoiles.")
    page.get_by_label("4 étoiles").check()
    page.get_by_label("Un commentaire ? (facultatif)").fill("Rapide et clair.")
    page.get_by_role("button", name="Envoyer mon évaluation").click()

    expect(page.locator("#chat-log")).to_contain_text("Merci pour votre évaluation.")


def test_ending_the_conversation_asks_for_stars(page: Page, stack: Any) -> None:
    open_chat(page, stack)

    page.get_by_role("button", name="Terminer et évaluer").click()

    expect(page.get_by_label("1 étoile")).to_be_focused()
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()


def test_the_profile_of_the_page_changes_the_fsd_answer(page: Page, stack: Any) -> None:
    page.goto(f"{stack.api_url}/?role=utilisateur&application=chorus_pro&ministere=MIN06")
    expect(page.locator(BOT_TEXTS).first).to_contain_text("Bonjour")

    page.locator("#chat-input").fill("je veux ouvrir une fiche service desk")
    page.keyboard.press("Enter")

    expect(page.locator("#chat-log")).to_contain_text("Seul le correspondant Chorus applicatif")
    expect(page.locator(BOT_TEXTS).last).to_contain_text("Application : Chorus Pro")
    expect(page.locator(BOT_TEXTS).last).to_contain_text("Code ministère : MIN06")


def test_a_hostile_profile_in_the_url_is_dropped(page: Page, stack: Any) -> None:
    page.goto(f'{stack.api_url}/?role="><script>alert(1)</script>')
    expect(page.locator(BOT_TEXTS).first).to_contain_text("Bonjour")
    assert page.locator(".chat-widget").get_attribute("data-role") is None


def fill_fsd_form(page: Page, stack: Any, at_a_choice: Callable[[], None] = lambda: None) -> int:
    """As a CCA of MIN06 (profile signed by the demo page), fill and confirm the FSD form;
    `at_a_choice` looks at the form while it offers choices. Return the FSD's number."""
    page.goto(
        f"{stack.api_url}/?role=CCA&application=chorus&ministere=MIN06&email=cca@min06.gouv.fr"
    )
    expect(page.locator(BOT_TEXTS).first).to_contain_text("Bonjour", timeout=REPLY_MS)
    chat = page.locator("#chat-input")

    for typed, next_question in (
        ("je veux ouvrir une fiche service desk", "Quel titre lui donner"),
        ("EJ bloqué au workflow", "Décrivez le problème"),
        ("L'EJ 4500012345 reste chez le valideur depuis lundi.", "importance de la fonction"),
    ):
        expect(page.get_by_role("button", name="Envoyer", exact=True)).to_be_enabled()
        chat.fill(typed)
        page.keyboard.press("Enter")
        expect(page.locator(BOT_TEXTS).last).to_contain_text(next_question, timeout=REPLY_MS)
    at_a_choice()
    page.get_by_role("button", name="Fonction importante").click()
    page.get_by_role("button", name="Activité bloquée").click()
    expect(page.locator(BOT_TEXTS).last).to_contain_text("Combien d'utilisateurs", timeout=REPLY_MS)
    chat.fill("3")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="L'utilisation de l'outil").click()  # no object number asked
    summary = page.locator(BOT_TEXTS).last
    expect(summary).to_contain_text("Titre : EJ bloqué au workflow", timeout=REPLY_MS)
    expect(summary).to_contain_text("Courriel : cca@min06.gouv.fr")  # from the page's profile
    page.get_by_role("button", name="Oui, ouvrir la fiche").click()
    done = page.locator(BOT_TEXTS).last
    expect(done).to_contain_text("Votre fiche service desk n° ", timeout=REPLY_MS)
    return int((done.text_content() or "").split("n° ")[1].split(" ")[0])


def test_a_cca_opens_an_fsd_with_the_form_in_the_widget(page: Page, stack: Any) -> None:
    fill_fsd_form(page, stack)

    expect(page.locator(BOT_TEXTS).last).to_contain_text("(priorité haute)")


def test_a_malformed_email_in_the_url_is_dropped(page: Page, stack: Any) -> None:
    page.goto(f"{stack.api_url}/?email=<script>@x.fr")
    expect(page.locator(BOT_TEXTS).first).to_contain_text("Bonjour")
    assert page.locator(".chat-widget").get_attribute("data-email") is None
