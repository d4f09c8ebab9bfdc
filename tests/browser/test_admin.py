"""The review console as support staff use it, in a real browser: a message the bot did not
understand reaches the inbox, the admin attaches it to an entry, and the same message then gets
that entry's answer, through a second API process too; undo puts it back."""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import create_account, fresh_page
from tests.browser.test_chat_page import BOT_TEXTS

REVIEWER = "relecteur-web"
PASSWORD = "un-mot-de-passe-solide"
WORDING = "pourquoi le voyant de mon lecteur de carte reste rouge ?"
ENTRY_TITLE = "Mot de passe Chorus Pro oublié"
ENTRY_ANSWER = "page de connexion du portail"
NOT_UNDERSTOOD = "Je n'ai pas compris votre demande"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(scope="module")
def reviewer(stack: Any) -> str:
    """An advisor who also reviews, created with the documented command."""
    return create_account(stack, REVIEWER, PASSWORD, "advisor", "admin")


def ask(page: Page, url: str, text: str) -> str:
    """Open the chat page, type a message, return the bot's first reply to it."""
    page.goto(f"{url}/")
    expect(page.locator(BOT_TEXTS).first).to_contain_text("Bonjour")
    before = page.locator(BOT_TEXTS).count()
    page.locator("#chat-input").fill(text)
    page.keyboard.press("Enter")
    expect(page.locator(BOT_TEXTS)).not_to_have_count(before)
    return page.locator(BOT_TEXTS).nth(before).inner_text()


def log_in(admin: Page, url: str, username: str, password: str) -> None:
    admin.goto(f"{url}/admin")
    admin.get_by_label("Identifiant", exact=True).fill(username)
    admin.get_by_label("Mot de passe", exact=True).fill(password)
    admin.get_by_role("button", name="Se connecter").click()


def test_what_the_bot_missed_is_taught_in_the_page_and_answered_everywhere(
    browser: Browser, stack: Any, reviewer: str
) -> None:
    second_api = stack.spawn_api("api-2")
    with fresh_page(browser) as user:
        assert NOT_UNDERSTOOD in ask(user, stack.api_url, WORDING)

    with fresh_page(browser) as admin:
        log_in(admin, stack.api_url, reviewer, PASSWORD)
        line = admin.locator("#inbox-list > li", has_text=WORDING)
        expect(line).to_contain_text("Message non compris")
        line.get_by_label("Chercher une autre fiche par mots").fill(
            "mot de passe oublié chorus pro"
        )
        line.get_by_role("button", name="Chercher").click()
        line.locator("label", has_text=ENTRY_TITLE).click()
        line.get_by_role("button", name="Rattacher à la fiche").click()
        expect(line).to_contain_text("est appris")
        expect(admin.locator("#audit-list")).to_contain_text("Rattachement à une fiche")

        for url in (stack.api_url, second_api):
            with fresh_page(browser) as user:
                assert ENTRY_ANSWER in ask(user, url, WORDING)

        line.get_by_role("button", name="Annuler").click()
        expect(line).to_contain_text("de nouveau à relire")
        expect(admin.locator("#audit-list")).to_contain_text("Annulation")

    with fresh_page(browser) as user:
        assert NOT_UNDERSTOOD in ask(user, second_api, WORDING)


def test_the_console_refuses_a_non_admin_and_has_no_serious_accessibility_violation(
    page: Page, stack: Any, reviewer: str
) -> None:
    create_account(stack, "cca-web", PASSWORD, "cca")
    log_in(page, stack.api_url, "cca-web", PASSWORD)
    expect(page.locator("#admin-status")).to_have_text(
        "Ce compte n'a pas le rôle de relecteur (admin)."
    )
    page.get_by_label("Identifiant", exact=True).fill(reviewer)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#workspace")).to_be_visible()

    results = Axe().run(page)

    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()


def test_an_entry_is_edited_its_history_shows_the_change_and_the_old_version_comes_back(
    page: Page, stack: Any, reviewer: str
) -> None:
    log_in(page, stack.api_url, reviewer, PASSWORD)
    page.get_by_role("button", name="Fiches").click()
    page.get_by_label("Mots", exact=True).fill("pièces par FSD")
    page.get_by_role("button", name="Rechercher").click()
    row = page.locator("#entries-list tr", has_text="Nombre de pièces par FSD")
    row.get_by_role("button", name="Modifier").click()
    answer = page.get_by_label("Réponse", exact=True)
    expect(page.locator("#edit-meta")).to_contain_text("version")
    expect(answer).not_to_have_value("")
    original = answer.input_value()

    answer.fill("Vingt pièces au plus par FSD <b>et</b> par certificat.")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.locator("#admin-status")).to_contain_text("Fiche enregistrée")
    newest = page.locator("#edit-history > li").first
    expect(newest).to_contain_text("modification · par " + REVIEWER)
    expect(newest.locator("ins")).to_have_text(
        "Vingt pièces au plus par FSD <b>et</b> par certificat."
    )
    expect(page.locator("#audit-list")).to_contain_text("Modification de fiche")

    page.locator("#edit-history > li", has_text="chargée des fichiers YAML").get_by_role(
        "button", name="Restaurer cette version"
    ).click()

    expect(page.locator("#admin-status")).to_contain_text("restaurée")
    expect(answer).to_have_value(original)
    expect(page.locator("#edit-history > li").first).to_contain_text("restauration")


def user_messages_today(stack: Any) -> int:
    """User messages stored today (Paris), read in the stack's database."""
    today = datetime.now(PARIS).date()
    with sqlite3.connect(stack.workdir / "api.db") as db:
        stamps = [r[0] for r in db.execute("SELECT created_at FROM messages WHERE sender='user'")]
    return sum(
        1
        for s in stamps
        if datetime.fromisoformat(s).replace(tzinfo=UTC).astimezone(PARIS).date() == today
    )


def test_the_statistics_chart_table_and_csv_match_the_database(
    page: Page, browser: Browser, stack: Any, reviewer: str
) -> None:
    with fresh_page(browser) as user:
        ask(user, stack.api_url, "comment ajouter un tiers dans un EJ")
    log_in(page, stack.api_url, reviewer, PASSWORD)
    page.get_by_role("button", name="Statistiques").click()
    today = datetime.now(PARIS).date().isoformat()
    page.get_by_label("Du", exact=True).fill(today)
    page.get_by_label("Au", exact=True).fill(today)
    page.get_by_role("button", name="Afficher").click()

    row = page.locator("#stats-table tr", has_text=today)
    expected = user_messages_today(stack)
    assert expected >= 2
    expect(row.locator("td").nth(2)).to_have_text(str(expected))
    expect(page.locator("#stats-chart bar-chart canvas").first).to_be_visible()
    expect(page.locator("#stats-hours tr")).to_have_count(7)

    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le CSV").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Début de la période;Conversations;Messages des usagers")
    assert lines[1].split(";")[:1] == [today]
    assert lines[1].split(";")[2] == str(expected)
