"""Sessions, CSRF, headers, throttling, and who may see what."""

from __future__ import annotations

import pytest

from eqia.security import CSP
from eqia.views.auth import BAD_CREDENTIALS
from tests.conftest import PASSWORD


def test_security_headers_and_a_csp_without_inline_script(client):
    response = client.get("/sign-in")
    assert response.headers["Content-Security-Policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script>" not in response.data.decode()  # no inline script for the CSP to block


def test_unknown_email_and_wrong_password_look_the_same(client, world):
    unknown = client.post("/sign-in", data={"email": "nobody@example.test", "password": "whatever"})
    wrong = client.post("/sign-in", data={"email": world.author.email, "password": "wrong password"})
    assert unknown.status_code == wrong.status_code == 200
    assert BAD_CREDENTIALS in unknown.data.decode() and BAD_CREDENTIALS in wrong.data.decode()
    assert unknown.data.decode().replace("nobody@example.test", "") == \
        wrong.data.decode().replace(world.author.email, "")


def test_sign_in_rotates_the_session(client, world):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = client.post("/sign-in", data={"email": world.author.email, "password": PASSWORD})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == world.author.session_token


def test_changing_the_password_ends_existing_sessions(client, auth, world):
    from eqia.extensions import db

    auth.sign_in(world.author)
    assert client.get("/my-work").status_code == 200
    world.author.set_password("a brand new password")
    db.session.commit()
    assert client.get("/my-work").status_code == 302


def test_a_deactivated_user_is_signed_out(client, auth, world):
    from eqia.extensions import db

    auth.sign_in(world.author)
    world.author.active = False
    db.session.commit()
    assert client.get("/my-work").status_code == 302
    assert auth.sign_in(world.author).status_code == 200  # refused with the same message


def test_open_redirects_after_sign_in_are_ignored(client, world):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(f"/sign-in?next={target}", data={"email": world.author.email, "password": PASSWORD})
        assert response.headers["Location"].endswith("/my-work"), target
        client.post("/sign-out")


def test_posts_need_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        response = app.test_client().post("/sign-in", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 400
    assert "Refresh the page and try again" in response.data.decode()


def test_sign_in_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute")
    with app.app_context():
        client = app.test_client()
        codes = [client.post("/sign-in", data={"email": "a@example.test", "password": "x"}).status_code
                 for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_password_asked_again_at_sign_off_is_rate_limited(make_app, world):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute")
    with app.app_context():
        assessment = world.make_assessment("awaiting_sign_off")
        client = app.test_client()
        client.post("/sign-in", data={"email": world.decider.email, "password": PASSWORD})
        url = f"/assessments/{assessment.id}/actions/sign_off"
        codes = [client.post(url, data={"attest": "y", "password": "guess"}).status_code for _ in range(4)]
        # Other actions are not throttled: only where a password is asked for.
        other = [client.post(f"/assessments/{assessment.id}/actions/withdraw", data={"comment": ""}).status_code
                 for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    assert 429 not in other


def test_pages_need_signing_in(client, world):
    assessment = world.make_assessment()
    for url in ("/my-work", "/assessments", f"/assessments/{assessment.id}", "/workflow/"):
        response = client.get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url


def test_authors_see_only_their_directorates_assessments(client, auth, world):
    assessment = world.make_assessment()
    auth.sign_in(world.outsider)
    for url in (f"/assessments/{assessment.id}", f"/assessments/{assessment.id}/details",
                f"/assessments/{assessment.id}/screening",
                f"/assessments/{assessment.id}/actions/start_full_assessment"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/assessments/{assessment.id}/actions/withdraw",
                       data={"comment": "mine now"}).status_code == 404
    assert assessment.title not in client.get("/assessments").data.decode()


def test_restricted_assessments_only_for_named_people(client, auth, world):
    from eqia.extensions import db
    from eqia.models import AssessmentViewer

    assessment = world.make_assessment()
    assessment.restricted = True
    assessment.viewers.append(AssessmentViewer(user_id=world.lead.id))
    db.session.commit()
    for user, status in ((world.co_author, 404), (world.lead2, 404), (world.admin, 404), (world.lead, 200),
                         (world.author, 200)):
        auth.sign_in(user)
        assert client.get(f"/assessments/{assessment.id}").status_code == status, user.email
        listed = assessment.title in client.get("/assessments").data.decode()
        assert listed == (status == 200), user.email
        auth.sign_out()


@pytest.mark.parametrize("path", ["/no-such-page", "/assessments/999999"])
def test_error_pages_are_generic(client, auth, world, path):
    auth.sign_in(world.author)
    response = client.get(path)
    assert response.status_code == 404
    body = response.data.decode()
    assert "Page not found" in body and "Traceback" not in body and "sqlalchemy" not in body.lower()


# ------------------------------------------------- sessions end on the server

def _session_cookie(client):
    return client.get_cookie("session", domain="eqia.test")


def _replay(client, cookie) -> None:
    client.set_cookie("session", cookie.value, domain="eqia.test")


def test_a_session_cookie_replayed_after_sign_out_is_signed_out(client, auth, world):
    auth.sign_in(world.author)
    assert client.get("/my-work").status_code == 200
    stolen = _session_cookie(client)
    assert auth.sign_out().status_code == 302
    _replay(client, stolen)
    response = client.get("/my-work")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    # Nor does another browser's User-Agent bring it back: the session no longer exists on the server.
    response = client.get("/my-work", headers={"User-Agent": "Another browser/1.0"})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_signing_out_ends_only_that_session(app, world):
    from tests.conftest import Auth, FreshRequestClient

    app.test_client_class = FreshRequestClient
    laptop, phone = app.test_client(), app.test_client()
    Auth(laptop).sign_in(world.author)
    Auth(phone).sign_in(world.author)
    Auth(laptop).sign_out()
    assert laptop.get("/my-work").status_code == 302
    assert phone.get("/my-work").status_code == 200


# --------------------------------- what a password change and deactivation end

def _api_status(client, token: str) -> int:
    return client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_password_change_ends_every_session_and_api_token(client, auth, world):
    from eqia.extensions import db
    from eqia.services import credentials, tokens

    auth.sign_in(world.author)
    _, token = tokens.create_token(world.author, "Committee papers")
    assert client.get("/my-work").status_code == 200 and _api_status(client, token) == 200
    stolen = _session_cookie(client)
    credentials.change_password(world.author, "a brand new password")
    db.session.commit()
    assert _api_status(client, token) == 401
    _replay(client, stolen)
    assert client.get("/my-work").status_code == 302
    assert auth.sign_in(world.author, "a brand new password").status_code == 302


def test_create_user_changing_a_password_ends_sessions_and_tokens(client, auth, runner, world):
    from eqia.services import tokens

    auth.sign_in(world.author)
    _, token = tokens.create_token(world.author, "Committee papers")
    result = runner.invoke(args=["eqia", "create-user", "--email", world.author.email, "--name", "Author",
                                 "--role", "author", "--password-stdin"], input="a brand new password\n")
    assert result.exit_code == 0, result.output
    assert "signed out everywhere; 1 API token revoked" in result.output
    assert _api_status(client, token) == 401
    assert client.get("/my-work").status_code == 302


def test_deactivating_a_user_ends_their_sessions_and_tokens(client, auth, world):
    from eqia.extensions import db
    from eqia.services import credentials, tokens

    auth.sign_in(world.author)
    _, token = tokens.create_token(world.author, "Committee papers")
    credentials.deactivate(world.author)
    db.session.commit()
    assert _api_status(client, token) == 401
    assert client.get("/my-work").status_code == 302
    # Reactivating the account brings neither back: they were ended, not suspended.
    world.author.active = True
    db.session.commit()
    assert _api_status(client, token) == 401
    assert client.get("/my-work").status_code == 302


# ---------------------------------------------- throttling behind a proxy

def _sign_in_from(client, email: str, address: str, password: str = "wrong password", forwarded: str = ""):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/sign-in", data={"email": email, "password": password}, headers=headers,
                       environ_base={"REMOTE_ADDR": address}).status_code


def test_sign_in_is_throttled_per_account_whatever_the_address(make_app, world):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute",
                   SIGN_IN_ADDRESS_RATE_LIMIT="100 per minute")
    with app.app_context():
        client = app.test_client()
        codes = [_sign_in_from(client, world.author.email, f"198.51.100.{n}") for n in range(1, 5)]
    assert codes == [200, 200, 200, 429]


def test_one_persons_typos_do_not_lock_out_others_behind_the_same_proxy(make_app, world):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute",
                   SIGN_IN_ADDRESS_RATE_LIMIT="100 per minute")
    proxy = "10.0.0.1"
    with app.app_context():
        client = app.test_client()
        typos = [_sign_in_from(client, world.author.email, proxy) for _ in range(4)]
        colleague = _sign_in_from(client, world.lead.email, proxy, password=PASSWORD)
    assert typos == [200, 200, 200, 429]
    assert colleague == 302


def test_successful_sign_ins_are_not_counted(make_app, world):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="2 per minute",
                   SIGN_IN_ADDRESS_RATE_LIMIT="2 per minute")
    with app.app_context():
        client = app.test_client()
        codes = []
        for _ in range(4):
            codes.append(_sign_in_from(client, world.author.email, "10.0.0.1", password=PASSWORD))
            client.post("/sign-out")
    assert codes == [302, 302, 302, 302]


def test_x_forwarded_for_is_ignored_unless_proxies_are_trusted(make_app, world):
    def attempts(app) -> list[int]:
        with app.app_context():
            client = app.test_client()
            # Different accounts from one proxy, each claiming another client address.
            return [_sign_in_from(client, f"user{n}@example.test", "10.0.0.1", forwarded=f"203.0.113.{n}")
                    for n in range(1, 5)]

    limits = {"RATELIMIT_ENABLED": True, "SIGN_IN_RATE_LIMIT": "100 per minute",
              "SIGN_IN_ADDRESS_RATE_LIMIT": "3 per minute"}
    # By default nothing a client sends decides its address: all four come from the proxy.
    assert attempts(make_app(**limits)) == [200, 200, 200, 429]
    # With one trusted proxy, its X-Forwarded-For names the client.
    assert attempts(make_app(EQIA_TRUSTED_PROXIES=1, **limits)) == [200, 200, 200, 200]


# ------------------------------------------- changing one's own password

def test_changing_your_password_signs_you_out_elsewhere_and_revokes_your_tokens(app, world):
    from eqia.services import tokens
    from eqia.services.credentials import PASSWORD_CHANGED
    from tests.conftest import Auth, FreshRequestClient

    app.test_client_class = FreshRequestClient
    here, elsewhere = app.test_client(), app.test_client()
    Auth(here).sign_in(world.author)
    Auth(elsewhere).sign_in(world.author)
    _, token = tokens.create_token(world.author, "Committee papers")
    page = here.get("/account/password").data.decode()
    assert "signs you out everywhere else and revokes your API tokens" in page
    response = here.post("/account/password", data={"current_password": PASSWORD,
                                                     "new_password": "a brand new password",
                                                     "confirm_password": "a brand new password"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account")
    assert PASSWORD_CHANGED.format(tokens="1 API token") in here.get("/account").data.decode()
    assert here.get("/my-work").status_code == 200  # this browser carries on
    assert elsewhere.get("/my-work").status_code == 302
    assert _api_status(here, token) == 401
    assert Auth(elsewhere).sign_in(world.author, "a brand new password").status_code == 302


@pytest.mark.parametrize("current,new,confirm,field,message", [
    ("not my password", "a brand new password", "a brand new password", "current_password",
     "PASSWORD_CURRENT_WRONG"),
    (PASSWORD, "too short", "too short", "new_password", "PASSWORD_TOO_SHORT"),
    (PASSWORD, "a brand new password", "a brand new passwort", "confirm_password", "PASSWORD_MISMATCH"),
    (PASSWORD, PASSWORD, PASSWORD, "new_password", "PASSWORD_UNCHANGED"),
], ids=["wrong current password", "too short", "mistyped", "unchanged"])
def test_a_refused_password_change_says_why_and_changes_nothing(client, auth, world, current, new, confirm,
                                                              field, message):
    from eqia.services import credentials, tokens

    auth.sign_in(world.author)
    _, token = tokens.create_token(world.author, "Committee papers")
    response = client.post("/account/password", data={"current_password": current, "new_password": new,
                                                       "confirm_password": confirm})
    assert response.status_code == 422
    page = response.data.decode()
    assert f'href="#{field}"' in page and getattr(credentials, message) in page
    assert client.get("/my-work").status_code == 200
    assert _api_status(client, token) == 200
    auth.sign_out()
    assert auth.sign_in(world.author).status_code == 302  # the old password still works


def test_guessing_the_current_password_is_rate_limited(make_app, world):
    app = make_app(RATELIMIT_ENABLED=True, SIGN_IN_RATE_LIMIT="3 per minute")
    with app.app_context():
        client = app.test_client()
        client.post("/sign-in", data={"email": world.author.email, "password": PASSWORD})
        codes = [client.post("/account/password", data={"current_password": "guess", "new_password": "x" * 12,
                                                         "confirm_password": "x" * 12}).status_code
                 for _ in range(4)]
    assert codes == [422, 422, 422, 429]
