"""Two-factor sign-in and the session list in a real headless Chromium: set up
an authenticator (its QR code beside the key), sign out, sign in with a code, see
where you are signed in, sign out everywhere else, get new recovery codes;
axe-core finds no WCAG 2.2 AA violation on the way.

The live server reads the real clock, so the codes are computed from it (no
waiting: the code for the next 30-second step is accepted as clock drift, and
the one the set-up used is never accepted again)."""

from __future__ import annotations

import time

import pyotp
import pytest

from eqia.extensions import db
from eqia.models import utcnow
from eqia.services.second_factor import STEP_SECONDS
# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_an_author_sets_up_two_factor_signs_in_with_a_code_and_signs_out_everywhere_else(
        live_server, browser, world):  # noqa: F811
    elsewhere = Person(browser, live_server, world.author)  # another browser, signed in before
    elsewhere.sign_in()
    author = Person(browser, live_server, world.author)
    author.sign_in()
    author.go("/account")
    author.page.click("a:has-text('Set up')")
    author.page.wait_for_url("**/account/two-factor")
    check(author.page, "two-factor-off")
    author.page.click("button:has-text('Set up two-factor authentication')")
    author.page.wait_for_selector("#totp-secret")
    check(author.page, "two-factor-set-up")
    qr = author.page.locator("#totp-qr svg").bounding_box()
    assert 180 <= qr["width"] <= 240 and qr["width"] == qr["height"]
    author.page.click("button:has-text('Turn on')")  # no code: the error summary says what to do
    author.sees_errors("two-factor-set-up-error")
    secret = author.page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    author.page.fill("#code", totp.now())
    author.page.click("button:has-text('Turn on')")
    author.page.wait_for_selector("#recovery-codes")
    check(author.page, "two-factor-recovery-codes")
    assert author.page.locator("#recovery-codes li").count() == 10

    author.page.click("button:has-text('Sign out')")
    author.page.wait_for_url("**/sign-in")
    author.page.fill("#email", world.author.email)
    author.page.fill("#password", PASSWORD)
    author.page.click("button:has-text('Sign in')")
    author.page.wait_for_url("**/sign-in/code")
    check(author.page, "sign-in-code")
    author.page.fill("#code", totp.at(time.time() + STEP_SECONDS))
    author.page.click("button:has-text('Continue')")
    author.page.wait_for_url("**/my-work")
    author.go("/account/two-factor")
    assert "10 unused recovery codes" in author.page.content()
    check(author.page, "two-factor-on")

    author.go("/account")
    author.page.click("a:has-text('View')")
    author.page.wait_for_url("**/account/sessions")
    check(author.page, "sessions")
    assert author.page.locator("tbody tr").count() == 2
    assert author.page.locator("tbody tr:has-text('This one')").count() == 1
    author.page.click("button:has-text('Sign out everywhere else')")
    author.page.wait_for_selector(".govuk-notification-banner--success")
    check(author.page, "sessions-others-ended")
    assert author.page.locator("tbody tr").count() == 1
    elsewhere.go("/my-work")
    assert "/sign-in" in elsewhere.page.url
    # The forms sent empty answers 422, which Chromium logs as a failed load; nothing else may be logged.
    assert [e for e in author.console_errors if "status of 422" not in e] == []


def test_an_author_with_two_factor_on_gets_new_recovery_codes(live_server, browser, world):  # noqa: F811
    # On already, as the demo administrator's is: no step spent, so this minute's codes all work.
    secret = pyotp.random_base32()
    world.author.totp_secret, world.author.totp_enabled_at = secret, utcnow()
    db.session.commit()
    totp = pyotp.TOTP(secret)
    author = Person(browser, live_server, world.author)
    author.go("/sign-in")
    author.page.fill("#email", world.author.email)
    author.page.fill("#password", PASSWORD)
    author.page.click("button:has-text('Sign in')")
    author.page.wait_for_url("**/sign-in/code")
    author.page.fill("#code", totp.now())
    author.page.click("button:has-text('Continue')")
    author.page.wait_for_url("**/my-work")
    author.go("/account/two-factor")
    # No code: the error summary says what to do.
    author.page.click("button:has-text('Get new recovery codes')")
    author.sees_errors("two-factor-new-codes-error")
    author.page.fill("#code", totp.at(time.time() + STEP_SECONDS))
    author.page.click("button:has-text('Get new recovery codes')")
    author.page.wait_for_selector("#recovery-codes")
    check(author.page, "two-factor-new-recovery-codes")
    assert author.page.locator("#recovery-codes li").count() == 10
    assert "Your old recovery codes no longer work." in author.page.content()
    assert [e for e in author.console_errors if "status of 422" not in e] == []
