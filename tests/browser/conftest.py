"""Headless Chromium (Debian package) driven by Playwright, against the running stack."""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.stack import API_BIN, ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make system-deps` (Debian package chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@contextmanager
def fresh_page(browser: Browser) -> Iterator[Page]:
    """A page in a new browser context (its own cookies and storage), closed afterwards."""
    context = browser.new_context(locale="fr-FR")
    opened = context.new_page()
    opened.set_default_timeout(20_000)
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with fresh_page(browser) as opened:
        yield opened


def create_account(stack: Any, username: str, password: str, *roles: str) -> str:
    """A staff account created with the documented command; return its username."""
    subprocess.run(
        [
            str(API_BIN / "python"),
            "-m",
            "api.auth.cli",
            "create-user",
            username,
            *(arg for role in roles for arg in ("--role", role)),
        ],
        cwd=ROOT,
        env={**stack.api_env(), "ASSISTANT_PASSWORD": password},
        check=True,
    )
    return username
