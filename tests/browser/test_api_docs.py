"""The API docs at /schema in a real browser: everything from our origin, nothing blocked
by the page's CSP, and the operations are there to read."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.accessibility import assert_accessible

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True, scope="session")


def test_the_docs_load_from_our_origin_only(
    base_url: str, http: httpx.Client, browser: Browser
) -> None:
    page_answer = http.get("/schema")
    assert page_answer.status_code == 200
    policy = page_answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page_answer.headers["x-frame-options"] == "DENY"
    assert "http" not in page_answer.text.replace(base_url, "")

    requested: list[str] = []
    problems: list[str] = []
    context = browser.new_context()
    page = context.new_page()
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "response",
        lambda answer: (
            problems.append(f"{answer.status} {answer.url}") if answer.status >= 400 else None
        ),
    )
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{base_url}/schema")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 40
    expect(page.locator(".info .title")).to_contain_text("docintake")
    assert_accessible(page)
    context.close()
    assert requested and all(url.startswith(base_url) for url in requested), requested
    assert problems == [], problems
