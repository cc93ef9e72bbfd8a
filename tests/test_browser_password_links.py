"""Password links in a real headless Chromium (issue 17): an admin invites a
person, who opens the link from the e-mail a real SMTP server received, chooses
a password and signs in; someone who forgot theirs resets it from the sign-in
page. axe-core finds no WCAG 2.2 AA violation on each new page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eqia.extensions import db
from eqia.models import User
# `browser` and `live_server` are fixtures: importing them makes them this module's too.
from tests.test_browser_journey import Person, browser, check, live_server  # noqa: F401
from tests.test_password_links import NEW_PASSWORD, deliver, link_path

pytestmark = pytest.mark.browser


def sign_in_with(person: Person, email: str, password: str) -> None:
    person.page.fill("#email", email)
    person.page.fill("#password", password)
    person.page.click("button:has-text('Sign in')")
    person.page.wait_for_url("**/my-work")


def choose_password(person: Person, name: str) -> None:
    """On a link's page: first two different passwords (the error summary says so), then the same twice."""
    person.page.fill("#password", NEW_PASSWORD)
    person.page.fill("#confirm_password", NEW_PASSWORD + " again")
    person.page.click("button:has-text('Set password')")
    person.page.wait_for_selector(".govuk-error-summary")
    check(person.page, f"{name}-error")
    person.page.fill("#password", NEW_PASSWORD)
    person.page.fill("#confirm_password", NEW_PASSWORD)
    person.page.click("button:has-text('Set password')")
    person.page.wait_for_url("**/sign-in")
    assert "Your password has been set" in person.page.locator(".govuk-notification-banner").inner_text()
    check(person.page, f"{name}-done")


def test_an_admin_invites_a_person_who_chooses_a_password_from_the_email_and_signs_in(
        app, runner, live_server, browser, world):  # noqa: F811
    admin = Person(browser, live_server, world.admin)
    admin.sign_in()
    admin.go("/admin/users/invite")
    check(admin.page, "invite")
    admin.page.click("button:has-text('Send invitation')")  # nothing given: the error summary says what to do
    assert admin.page.title().startswith("Error: ")
    check(admin.page, "invite-error")
    admin.page.fill("#name", "Priya Shah")
    admin.page.fill("#email", "priya.shah@example.test")
    admin.page.check("input[name='roles'][value='author']")
    admin.page.select_option("#directorate", label=world.directorate.name)
    admin.page.click("button:has-text('Send invitation')")
    admin.page.wait_for_selector(".govuk-notification-banner--success")
    check(admin.page, "invite-sent")

    [message] = deliver(app, runner)
    invited = Person(browser, live_server, db.session.execute(
        sa.select(User).where(User.email == "priya.shah@example.test")).scalar_one())
    invited.go(link_path(message))
    assert invited.page.locator("h1").inner_text() == "Choose your password"
    check(invited.page, "invitation-link")
    choose_password(invited, "invitation-link")
    sign_in_with(invited, "priya.shah@example.test", NEW_PASSWORD)
    invited.go(link_path(message))  # used: it opens nothing now
    assert invited.page.locator("h1").inner_text() == "This link has expired or been used"
    check(invited.page, "link-gone")
    assert [e for e in admin.console_errors + invited.console_errors
            if "status of 422" not in e and "status of 404" not in e] == []


def test_someone_who_forgot_their_password_resets_it_from_the_sign_in_page(
        app, runner, live_server, browser, world):  # noqa: F811
    author = Person(browser, live_server, world.author)
    author.go("/sign-in")
    author.page.click("a:has-text('Forgotten your password?')")
    author.page.wait_for_url("**/forgotten-password")
    check(author.page, "forgotten-password")
    author.page.click("button:has-text('Send the link')")
    assert author.page.title().startswith("Error: ")
    check(author.page, "forgotten-password-error")
    author.page.fill("#email", world.author.email)
    author.page.click("button:has-text('Send the link')")
    author.page.wait_for_url("**/forgotten-password/sent")
    check(author.page, "forgotten-password-sent")

    [message] = deliver(app, runner)
    author.go(link_path(message))
    assert author.page.locator("h1").inner_text() == "Choose a new password"
    check(author.page, "reset-link")
    choose_password(author, "reset-link")
    sign_in_with(author, world.author.email, NEW_PASSWORD)
    assert [e for e in author.console_errors if "status of 422" not in e] == []
