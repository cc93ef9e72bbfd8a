"""Single sign-on in a real headless Chromium against a real OpenID provider on loopback: a
decision-maker signs in with the provider, then signs off, confirming it's them there again;
axe-core finds no WCAG 2.2 AA violation on the pages on our side."""

from __future__ import annotations

import socket
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from eqia.extensions import db
from eqia.models import Assessment, IdentityConfirmation
# `browser` is a fixture: importing it makes it this module's too.
from tests.test_browser_journey import Person, browser, check  # noqa: F401
from tests.test_single_sign_on import provider, settings, tie  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def sso_server(make_app, world, provider):  # noqa: F811
    # The address is known before the app is made: the provider sends the browser back to EQIA_BASE_URL.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    app = make_app(SERVER_NAME=None, WTF_CSRF_ENABLED=True, EQIA_BASE_URL=base, **settings(provider))
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    thread.join(timeout=10)


def at_provider(page, sub: str) -> None:
    page.wait_for_selector("input[name=sub]")
    page.fill("input[name=sub]", sub)
    page.click("button:has-text('Authorize')")


def test_a_decision_maker_signs_in_with_the_provider_and_signs_off_confirming_it_there(
        sso_server, browser, world, provider):  # noqa: F811
    tie(world.decider, provider, "decider-subject")
    assessment = world.make_assessment("awaiting_sign_off")
    decider = Person(browser, sso_server, world.decider)
    # Errors on our pages only: the test provider's pages ask a CDN for their stylesheet, which no test
    # machine reaches, and the provider has no favicon.
    ours: list[str] = []
    decider.page.on("console", lambda m: ours.append(m.text)
                    if m.type == "error" and m.location.get("url", "").startswith(sso_server) else None)

    decider.go("/sign-in")
    check(decider.page, "sso-sign-in")
    decider.page.click("#sign-in-with-provider")
    at_provider(decider.page, "decider-subject")
    decider.page.wait_for_url("**/my-work")

    decider.go(f"/assessments/{assessment.id}/actions/sign_off")
    check(decider.page, "sso-sign-off")
    assert decider.page.locator("#password").count() == 0
    decider.page.check("input[name=attest]")
    decider.page.click("form button:has-text('Sign off')")  # not confirmed yet: the summary says what to do
    decider.page.wait_for_selector(".govuk-error-summary")
    check(decider.page, "sso-sign-off-not-confirmed")

    decider.page.click("#confirm-identity")
    at_provider(decider.page, "decider-subject")
    decider.page.wait_for_selector("#identity-confirmed")
    check(decider.page, "sso-sign-off-confirmed")
    decider.page.check("input[name=attest]")
    # The signed PDF is rendered and stored before the answer comes: no waiting on the click itself.
    decider.page.click("form button:has-text('Sign off')", no_wait_after=True)
    decider.page.wait_for_selector(".govuk-notification-banner--success", timeout=120_000)

    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).state == "signed_off"
    assert db.session.execute(sa.select(IdentityConfirmation.used_at)).scalar_one() is not None
    # The refused sign-off answered 422, which Chromium logs as a failed load; nothing else may be logged.
    assert [e for e in ours if "status of 422" not in e] == []
    # Closed before the server stops, so no request is left holding a database connection.
    decider.context.close()
