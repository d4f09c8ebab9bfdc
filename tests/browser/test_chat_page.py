"""The chat page as a user sees it, in a real browser."""

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

BOT_TEXTS = "#chat-log .chat-msg--bot .chat-msg__text"


def open_chat(page: Page, stack: Any) -> None:
    page.goto(f"{stack.api_url}/")
    expect(page.locator(BOT_TEXTS).first).to_contain_text("Bonjour")


def test_greeting_menu_and_a_domain_answer(page: Page, stack: Any) -> None:
    open_chat(page, stack)

    expect(page.locator("#chat-log")).to_have_attribute("aria-live", "polite")
    buttons = page.locator("#chat-log .chat-btn")
    expect(buttons).to_have_count(15)
    page.get_by_role("button", name="Connexion", exact=True).click()

    expect(page.locator("#chat-log .chat-msg--user").last).to_contain_text("Connexion")
    expect(page.locator(BOT_TEXTS).last).to_contain_text("mot de passe")


def test_reload_keeps_the_conversation(page: Page, stack: Any) -> None:
    open_chat(page, stack)
    page.get_by_role("button", name="Formations", exact=True).click()
    expect(page.locator(BOT_TEXTS).last).to_contain_text("responsable DAF")

    page.reload()

    expect(page.locator(BOT_TEXTS).last).to_contain_text("responsable DAF")
    expect(page.locator("#chat-log .chat-msg--user")).to_have_count(1)


def test_a_tab_without_the_conversations_token_starts_a_new_one_and_loses_nothing(
    page: Page, stack: Any
) -> None:
    open_chat(page, stack)
    page.get_by_role("button", name="Formations", exact=True).click()
    expect(page.locator(BOT_TEXTS).last).to_contain_text("responsable DAF")
    old = page.evaluate("sessionStorage.getItem('assistant.conversation_id')")
    page.evaluate("sessionStorage.setItem('assistant.conversation_token', 'x'.repeat(43))")

    page.reload()  # the stored token is not the conversation's: the transcript is refused

    expect(page.locator(BOT_TEXTS).first).to_contain_text("Bonjour")
    expect(page.locator("#chat-log")).not_to_contain_text("responsable DAF")
    assert page.evaluate("sessionStorage.getItem('assistant.conversation_id')") != old
    page.evaluate("sessionStorage.setItem('assistant.conversation_token', 'y'.repeat(43))")
    page.locator("#chat-input").fill("comment ajouter un tiers dans un EJ ?")
    page.keyboard.press("Enter")

    # Refused in the old conversation, the message goes to a new one: shown and answered.
    expect(page.locator("#chat-log .chat-msg--user")).to_have_text(
        ["Vous : comment ajouter un tiers dans un EJ ?"]
    )
    expect(page.locator(BOT_TEXTS).last).not_to_be_empty()
    expect(page.locator("#chat-status")).to_have_text("")


def test_keyboard_only_multiline_paste_and_escaped_text(page: Page, stack: Any) -> None:
    open_chat(page, stack)
    textarea = page.locator("#chat-input")
    textarea.focus()
    page.keyboard.type("<img src=x onerror=alert(1)>Ligne 1")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("Ligne 2")
    page.keyboard.press("Enter")

    sent = page.locator("#chat-log .chat-msg--user .chat-msg__text").last
    expect(sent).to_have_text("<img src=x onerror=alert(1)>Ligne 1\nLigne 2")
    assert page.locator("#chat-log img").count() == 0
    expect(page.locator(BOT_TEXTS)).to_have_count(2)


def test_page_has_no_serious_accessibility_violation(page: Page, stack: Any) -> None:
    open_chat(page, stack)

    results = Axe().run(page)

    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()


def test_a_pasted_error_gets_its_answer_and_follow_up_buttons(page: Page, stack: Any) -> None:
    open_chat(page, stack)
    page.locator("#chat-input").fill(
        "Erreur dans le système de gestion :\n"
        "Poste de pièce 1508892764/00003 n'a pas encore été reporté dans exercice en cours"
    )
    page.get_by_role("button", name="Envoyer").click()

    expect(page.locator(BOT_TEXTS).last).to_have_text(
        "Quelle est la modification apportée sur l'EJ ?"
    )
    page.get_by_role("button", name="Ajout d'un tiers").click()

    expect(page.locator(BOT_TEXTS).last).to_contain_text("initier une nouvelle conversation")
    expect(
        page.get_by_role("button", name="Processus de création d'une Fiche Desk (FSD)")
    ).to_be_visible()
