"""The pages keep working under a Content-Security-Policy without inline script, the OpenAPI page
works offline from the project's own files, and the security headers are on every response."""

from typing import Any

import httpx
from playwright.sync_api import Page, expect

PAGES = ["/", "/console", "/admin", "/docs"]


def test_every_page_runs_under_the_policy_without_a_violation_or_a_foreign_request(
    page: Page, stack: Any
) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    page.on(
        "request",
        lambda r: problems.append(r.url) if not r.url.startswith(stack.api_url) else None,
    )
    for path in PAGES:
        page.goto(f"{stack.api_url}{path}")
        page.wait_for_load_state("networkidle")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()  # Swagger UI rendered
    expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/conversations/{conversation_id}")
    assert problems == []


def test_the_security_headers_are_on_pages_api_answers_and_errors(stack: Any) -> None:
    for path in ["/", "/api/v1/health", "/api/v1/nope", "/static/widget.js"]:
        headers = httpx.get(f"{stack.api_url}{path}").headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'self'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
