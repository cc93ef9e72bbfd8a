"""The account page in a real headless Chromium: make an API token, see it once,
use it, revoke it; axe-core finds no WCAG 2.2 AA violation on the way."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401

pytestmark = pytest.mark.browser


def api_status(base: str, token: str) -> int:
    request = urllib.request.Request(base + "/api/v1/assessments", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            json.load(response)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_an_author_makes_an_api_token_uses_it_and_revokes_it(live_server, browser, world):  # noqa: F811
    author = Person(browser, live_server, world.author)
    author.sign_in()
    author.page.click("a:has-text('Your account')")
    author.page.wait_for_url("**/account")
    check(author.page, "account")
    author.page.click("button:has-text('Create token')")  # no name: the error summary says what to do
    author.sees_errors("account-error")
    author.page.fill("#label", "Committee papers system")
    author.page.click("button:has-text('Create token')")
    token = author.page.locator("#new-token").inner_text().strip()
    check(author.page, "account-token-created")
    assert token.startswith("eqia_")
    assert author.page.locator("td code").inner_text() == token[:12] + "\u2026"  # the start, to tell tokens apart
    assert api_status(live_server, token) == 200
    author.go("/account")
    assert token not in author.page.content()
    author.page.click("button:has-text('Revoke')")
    author.page.wait_for_selector(".govuk-notification-banner--success")
    check(author.page, "account-token-revoked")
    assert api_status(live_server, token) == 401
    # The form sent empty answers 422, which Chromium logs as a failed load; nothing else may be logged.
    assert [e for e in author.console_errors if "status of 422" not in e] == []
