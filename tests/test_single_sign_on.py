"""Single sign-on against a real OpenID Connect provider on loopback (oidc-provider-mock):
sign-in, the refusals, role mapping from a group claim, and confirming who you are at sign-off."""

from __future__ import annotations

import socket
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
import sqlalchemy as sa
from oidc_provider_mock import run_server_in_thread

from eqia.extensions import db
from eqia.models import ActionPlan, Assessment, IdentityConfirmation, PasswordLink, SignOff, User, utcnow
from eqia.roles import DECISION_MAKER, EQUALITY_LEAD
from eqia.services import plans
from eqia.services import single_sign_on as sso
from eqia.views.single_sign_on_words import WORDS
from tests.conftest import PASSWORD, FreshRequestClient
from tests.test_cumulative_judgements import budget, fresh, take, written  # noqa: F401  (budget: a fixture)
from tests.test_plans import add_row
from tests.test_plans import make as make_plan

LEADS_GROUP = "6f1c2a9e-0b4d-4c55-9a57-leads"
DECIDERS_GROUP = "a3d9e1f0-7c2b-4e8a-b1d6-deciders"


@pytest.fixture(scope="module")
def provider():
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def settings(issuer: str, **overrides) -> dict:
    return {"EQIA_OIDC_ISSUER": issuer, "EQIA_OIDC_CLIENT_ID": "eqia-test", "EQIA_OIDC_CLIENT_SECRET": "s3cret",
            "EQIA_OIDC_PROVIDER_NAME": "Council Login", **overrides}


def set_claims(provider: str, sub: str, **claims) -> None:
    requests.put(f"{provider}/users/{sub}", json=claims, timeout=10).raise_for_status()


class Journey:
    """One browser's trip: our app's test client, and the provider reached over HTTP."""

    def __init__(self, app) -> None:
        app.test_client_class = FreshRequestClient
        self.client = app.test_client()

    def to_provider(self, path: str = "/sign-in/sso", method: str = "GET", **kwargs) -> str:
        response = self.client.open(path, method=method, **kwargs)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response.headers["Location"]

    @staticmethod
    def at_provider(authorize_url: str, sub: str) -> str:
        """Sign in at the provider as `sub`: where it sends the browser back to."""
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def back(self, callback_url: str):
        parts = urlsplit(callback_url)
        return self.client.get(f"{parts.path}?{parts.query}")

    def sign_in(self, sub: str):
        return self.back(self.at_provider(self.to_provider(), sub))


def tie(user: User, issuer: str, sub: str, **values) -> None:
    """Tie an account to an identity at the provider, in whichever app's session is current."""
    db.session.execute(sa.update(User).where(User.id == user.id)
                       .values(oidc_issuer=issuer, oidc_subject=sub, **values))
    db.session.commit()


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def refusal(response) -> str:
    page = response.get_data(as_text=True)
    return page.split('data-code="', 1)[1].split('"', 1)[0]


def test_the_sign_in_page_offers_the_provider_and_the_flow_uses_pkce_state_and_nonce(make_app, provider, world):
    app = make_app(**settings(provider))
    with app.app_context():
        journey = Journey(app)
        page = journey.client.get("/sign-in").get_data(as_text=True)
        assert "Sign in with Council Login" in page and 'name="password"' in page
        query = parse_qs(urlsplit(journey.to_provider()).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == ["http://127.0.0.1:5000/sign-in/sso/callback"]


def test_a_known_person_signs_in_by_issuer_and_subject(make_app, provider, world):
    app = make_app(**settings(provider))
    with app.app_context():
        tie(world.lead, provider, "lead-subject")
        set_claims(provider, "lead-subject", email="someone-else@example.test")  # the address does not decide
        journey = Journey(app)
        response = journey.sign_in("lead-subject")
        assert response.status_code == 302 and response.headers["Location"].endswith("/my-work")
        assert journey.client.get("/my-work").status_code == 200
        page = journey.client.get("/account").get_data(as_text=True)
        assert world.lead.email in page


def test_a_return_with_a_state_this_browser_never_sent_is_refused(make_app, provider, world):
    app = make_app(**settings(provider))
    with app.app_context():
        tie(world.lead, provider, "lead-subject")
        journey = Journey(app)
        back = journey.at_provider(journey.to_provider(), "lead-subject")
        response = journey.back(with_query(back, state="forged-state"))
        assert (response.status_code, refusal(response)) == (400, sso.BAD_STATE)
        assert WORDS[sso.BAD_STATE] in response.get_data(as_text=True)
        # Another browser's return (its own session never started it) is refused the same way.
        stranger = Journey(app)
        response = stranger.back(back)
        assert (response.status_code, refusal(response)) == (400, sso.BAD_STATE)
        assert stranger.client.get("/my-work").status_code == 302


def test_a_provider_that_cannot_be_reached_and_hostile_returns_get_a_clear_page(make_app, world):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    app = make_app(**settings(f"http://127.0.0.1:{closed}"))
    with app.app_context():
        journey = Journey(app)
        response = journey.client.get("/sign-in/sso")
        assert (response.status_code, refusal(response)) == (400, sso.PROVIDER_UNREACHABLE)
        for query in ({"state": "s" * 100_000, "code": "c" * 100_000}, {"code": "\x00<script>"},
                      {"error": "access_denied", "error_description": "<script>alert(1)</script>"}, {}):
            response = journey.client.get("/sign-in/sso/callback?" + urlencode(query))
            assert response.status_code == 400, query
            assert "<script>" not in response.get_data(as_text=True)


def test_an_id_token_with_another_nonce_is_refused(make_app, provider, world):
    app = make_app(**settings(provider))
    with app.app_context():
        tie(world.lead, provider, "lead-subject")
        journey = Journey(app)
        # The provider puts in the ID token whatever nonce it was asked for: here, not the one we keep.
        tampered = with_query(journey.to_provider(), nonce="a-nonce-of-someone-elses")
        response = journey.back(journey.at_provider(tampered, "lead-subject"))
        assert (response.status_code, refusal(response)) == (400, sso.BAD_NONCE)
        assert journey.client.get("/my-work").status_code == 302


def test_the_provider_refusing_is_a_clear_page(make_app, provider, world):
    app = make_app(**settings(provider))
    with app.app_context():
        journey = Journey(app)
        authorize = journey.to_provider()
        denied = requests.post(with_query(authorize), data={"action": "deny"}, allow_redirects=False, timeout=10)
        response = journey.back(denied.headers["Location"])
        assert (response.status_code, refusal(response)) == (400, sso.PROVIDER_ERROR)


def test_a_subject_longer_than_openid_allows_is_refused_not_stored(make_app, provider, world):
    app = make_app(**settings(provider, EQIA_OIDC_CREATE_ACCOUNTS=True))
    with app.app_context():
        huge = "s" * 256
        set_claims(provider, huge, email="huge@example.test", email_verified=True)
        response = Journey(app).sign_in(huge)
        assert (response.status_code, refusal(response)) == (400, sso.BAD_TOKEN)
        assert db.session.execute(sa.select(User).where(User.email == "huge@example.test")).first() is None


def test_an_unknown_person_is_refused_unless_accounts_are_made(make_app, provider, world):
    set_claims(provider, "newcomer", email="newcomer@example.test", email_verified=True, name="New Comer")
    app = make_app(**settings(provider))
    with app.app_context():
        response = Journey(app).sign_in("newcomer")
        assert (response.status_code, refusal(response)) == (403, sso.UNKNOWN_USER)
        assert db.session.execute(sa.select(User).where(User.email == "newcomer@example.test")).first() is None


def test_an_inactive_account_is_refused(make_app, provider, world):
    app = make_app(**settings(provider))
    with app.app_context():
        tie(world.lead, provider, "lead-subject", active=False)
        response = Journey(app).sign_in("lead-subject")
        assert (response.status_code, refusal(response)) == (403, sso.INACTIVE)


def test_a_verified_email_finds_the_account_only_when_allowed(make_app, provider, world):
    set_claims(provider, "author-unverified", email=world.author.email, email_verified=False)
    set_claims(provider, "author-subject", email=world.author.email.upper(), email_verified=True)
    off = make_app(**settings(provider))
    with off.app_context():
        assert refusal(Journey(off).sign_in("author-subject")) == sso.UNKNOWN_USER
    on = make_app(**settings(provider, EQIA_OIDC_MATCH_VERIFIED_EMAIL=True))
    with on.app_context():
        assert refusal(Journey(on).sign_in("author-unverified")) == sso.UNKNOWN_USER
        assert Journey(on).sign_in("author-subject").status_code == 302
        db.session.expire_all()
        tied = db.session.get(User, world.author.id)
        assert (tied.oidc_issuer, tied.oidc_subject) == (provider, "author-subject")


def test_a_group_claim_gives_roles_and_an_unmapped_newcomer_waits_for_an_administrator(make_app, provider, world):
    set_claims(provider, "new-lead", email="new.lead@example.test", name="Nia Lead", groups=[LEADS_GROUP, "other"])
    set_claims(provider, "no-group", email="no.group@example.test", name="Noor Group", groups=["unmapped"])
    app = make_app(**settings(provider, EQIA_OIDC_CREATE_ACCOUNTS=True,
                              EQIA_OIDC_ROLE_MAP={LEADS_GROUP: EQUALITY_LEAD, DECIDERS_GROUP: DECISION_MAKER},
                              EQIA_OIDC_DIRECTORATE_MAP={LEADS_GROUP: "Highways"}))
    with app.app_context():
        lead = Journey(app)
        assert lead.sign_in("new-lead").headers["Location"].endswith("/my-work")
        made = db.session.execute(sa.select(User).where(User.email == "new.lead@example.test")).scalar_one()
        assert (made.roles, made.directorate.name, made.name) == ({EQUALITY_LEAD}, "Highways", "Nia Lead")
        assert not made.check_password("")  # no password: only the provider signs them in

        waiting = Journey(app)
        assert waiting.sign_in("no-group").headers["Location"].endswith("/sign-in/waiting")
        page = waiting.client.get("/sign-in/waiting").get_data(as_text=True)
        assert WORDS["waiting_title"] in page
        roleless = db.session.execute(sa.select(User).where(User.email == "no.group@example.test")).scalar_one()
        assert roleless.roles == frozenset()

        # The groups change at the provider: the roles follow at the next sign-in.
        set_claims(provider, "new-lead", email="new.lead@example.test", groups=[DECIDERS_GROUP])
        Journey(app).sign_in("new-lead")
        db.session.expire_all()
        assert db.session.get(User, made.id).roles == {DECISION_MAKER}


def test_passwords_off_leaves_only_break_glass_admins(make_app, provider, world):
    app = make_app(**settings(provider, EQIA_PASSWORD_SIGN_IN=False,
                              EQIA_BREAK_GLASS_ADMINS=frozenset({world.admin.email, world.lead.email})))
    with app.app_context():
        client = Journey(app).client
        page = client.get("/sign-in").get_data(as_text=True)
        assert "Sign in with Council Login" in page and "Emergency administrator sign-in" in page
        refused = client.post("/sign-in", data={"email": world.author.email, "password": PASSWORD})
        assert refused.status_code == 200
        assert "Sign in with Council Login. Passwords are turned off for your account" in refused.get_data(
            as_text=True)
        # Listed but no admin: the list alone opens nothing.
        listed = client.post("/sign-in", data={"email": world.lead.email, "password": PASSWORD})
        assert listed.status_code == 200 and "Passwords are turned off for your account" in listed.get_data(
            as_text=True)
        assert client.get("/my-work").status_code == 302
        assert client.post("/sign-in", data={"email": world.admin.email, "password": PASSWORD}).status_code == 302
        assert client.get("/my-work").status_code == 200
        # Nobody else has a password to reset: the page is not offered, and a request sends no link.
        assert "Forgotten your password?" not in page
        client.post("/sign-out")
        for email in (world.author.email, world.admin.email):
            client.post("/forgotten-password", data={"email": email})
        db.session.expire_all()
        assert {link.user_id for link in db.session.execute(sa.select(PasswordLink)).scalars()} == {world.admin.id}


# ------------------------------------------------------------------ signing off


def signed_in_decider(app, provider, world) -> tuple[Journey, Assessment]:
    tie(world.decider, provider, "decider-subject")
    assessment = world.make_assessment("awaiting_sign_off")
    journey = Journey(app)
    assert journey.sign_in("decider-subject").status_code == 302
    return journey, assessment


def sign_off_url(assessment: Assessment) -> str:
    return f"/assessments/{assessment.id}/actions/sign_off"


def test_signing_off_after_a_fresh_sign_in_at_the_provider(make_app, provider, world):
    app = make_app(**settings(provider))
    with app.app_context():
        journey, assessment = signed_in_decider(app, provider, world)
        page = journey.client.get(sign_off_url(assessment)).get_data(as_text=True)
        assert "Confirm it&#39;s you with Council Login" in page and 'name="password"' not in page

        # Signing without confirming first is refused, and says what to do.
        refused = journey.client.post(sign_off_url(assessment), data={"attest": "y"})
        assert refused.status_code == 422
        assert "Confirm it&#39;s you with Council Login before you sign" in refused.get_data(as_text=True)

        authorize = journey.to_provider(sign_off_url(assessment) + "/confirm-identity", method="POST")
        query = parse_qs(urlsplit(authorize).query)
        assert (query["prompt"], query["max_age"]) == (["login"], ["0"])
        back = journey.back(journey.at_provider(authorize, "decider-subject"))
        assert back.status_code == 302 and back.headers["Location"].endswith(sign_off_url(assessment))
        assert 'id="identity-confirmed"' in journey.client.get(sign_off_url(assessment)).get_data(as_text=True)

        signed = journey.client.post(sign_off_url(assessment), data={"attest": "y",
                                                                       "lock_version": assessment.lock_version})
        assert signed.status_code == 302, signed.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(Assessment, assessment.id).state == "signed_off"
        assert db.session.execute(sa.select(sa.func.count()).select_from(SignOff)).scalar_one() == 1
        used = db.session.execute(sa.select(IdentityConfirmation)).scalar_one()
        assert used.used_at is not None and used.user_id == world.decider.id


def test_a_cumulative_judgement_is_signed_after_a_fresh_sign_in_at_the_provider(make_app, provider, world, budget):
    app = make_app(**settings(provider))
    with app.app_context():
        made = written(world)
        take(world.lead, made, "submit_judgement")
        made = take(world.lead2, made, "approve_judgement")
        tie(world.decider, provider, "decider-subject")
        journey = Journey(app)
        assert journey.sign_in("decider-subject").status_code == 302
        url = f"/programme/judgements/{made.id}/actions/sign_judgement"
        page = journey.client.get(url).get_data(as_text=True)
        assert "Confirm it&#39;s you with Council Login" in page and 'name="password"' not in page
        refused = journey.client.post(url, data={"attest": "y", "lock_version": made.lock_version})
        assert refused.status_code == 422
        assert "Confirm it&#39;s you with Council Login before you sign" in refused.get_data(as_text=True)

        authorize = journey.to_provider(f"/programme/cumulative_judgement/{made.id}/actions/sign_judgement"
                                        "/confirm-identity", method="POST")
        assert parse_qs(urlsplit(authorize).query)["prompt"] == ["login"]
        back = journey.back(journey.at_provider(authorize, "decider-subject"))
        assert back.status_code == 302 and back.headers["Location"].endswith(url)
        assert 'id="identity-confirmed"' in journey.client.get(url).get_data(as_text=True)
        signed = journey.client.post(url, data={"attest": "y", "lock_version": made.lock_version})
        assert signed.status_code == 302, signed.get_data(as_text=True)
        assert (fresh(made).state, fresh(made).signed_by_id) == ("signed", world.decider.id)
        used = db.session.execute(sa.select(IdentityConfirmation)).scalar_one()
        assert (used.subject, used.record_id, used.assessment_id, used.trigger) == (
            "cumulative_judgement", made.id, None, "sign_judgement")
        assert used.used_at is not None
        # Only a transition that asks who signs can be confirmed, only on a record of a kind that has one.
        assert journey.client.post(f"/programme/cumulative_judgement/{made.id}/actions/decline_to_sign"
                                   "/confirm-identity").status_code == 404
        assert journey.client.post(f"/programme/nothing/{made.id}/actions/sign_judgement"
                                   "/confirm-identity").status_code == 404


def test_an_action_plan_is_adopted_after_a_fresh_sign_in_and_the_confirmation_is_for_that_plan(
        make_app, provider, world):
    app = make_app(**settings(provider))
    with app.app_context():
        plan = make_plan(world)
        add_row(world, plan)
        plans.take(world.lead, plan.id, "agree_plan")
        db.session.commit()
        tie(world.decider, provider, "decider-subject")
        journey = Journey(app)
        assert journey.sign_in("decider-subject").status_code == 302
        url = f"/programme/plans/{plan.id}/actions/adopt_plan"
        assert 'name="password"' not in journey.client.get(url).get_data(as_text=True)
        journey.back(journey.at_provider(journey.to_provider(
            f"/programme/action_plan/{plan.id}/actions/adopt_plan/confirm-identity", method="POST"),
            "decider-subject"))
        decider = db.session.get(User, world.decider.id)
        current = db.session.get(ActionPlan, plan.id)
        assert sso.has_fresh_confirmation(decider, current, "adopt_plan", "action_plan")
        assert not sso.has_fresh_confirmation(decider, current, "adopt_plan", "cumulative_judgement")
        assert not sso.has_fresh_confirmation(decider, current, "adopt_plan")  # not an assessment's
        adopted = journey.client.post(url, data={"attest": "y", "lock_version": current.lock_version})
        assert adopted.status_code == 302, adopted.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(ActionPlan, plan.id).state == "adopted"


def test_a_confirmation_counts_once_and_only_for_the_version_confirmed(make_app, provider, world):
    app = make_app(**settings(provider))
    with app.app_context():
        journey, assessment = signed_in_decider(app, provider, world)
        journey.back(journey.at_provider(journey.to_provider(sign_off_url(assessment) + "/confirm-identity",
                                                             method="POST"), "decider-subject"))
        decider = db.session.get(User, world.decider.id)
        fresh = db.session.get(Assessment, assessment.id)
        assert sso.has_fresh_confirmation(decider, fresh, "sign_off")
        assert not sso.has_fresh_confirmation(decider, fresh, "withdraw")
        fresh.lock_version += 1  # as if the assessment had been saved since: another version
        assert not sso.use_confirmation(decider, fresh, "sign_off")
        fresh.lock_version -= 1
        assert sso.use_confirmation(decider, fresh, "sign_off")
        assert not sso.use_confirmation(decider, fresh, "sign_off")
        db.session.rollback()


def test_signing_in_at_the_provider_as_someone_else_does_not_confirm_it_is_you(make_app, provider, world):
    app = make_app(**settings(provider))
    with app.app_context():
        tie(world.lead, provider, "lead-subject")
        journey, assessment = signed_in_decider(app, provider, world)
        authorize = journey.to_provider(sign_off_url(assessment) + "/confirm-identity", method="POST")
        response = journey.back(journey.at_provider(authorize, "lead-subject"))
        assert (response.status_code, refusal(response)) == (403, sso.ANOTHER_SUBJECT)
        assert db.session.execute(sa.select(IdentityConfirmation)).first() is None
        assert journey.client.post(sign_off_url(assessment), data={"attest": "y"}).status_code == 422


def test_an_authentication_from_before_the_request_is_stale(make_app, provider, world, monkeypatch):
    app = make_app(**settings(provider))
    with app.app_context():
        journey, assessment = signed_in_decider(app, provider, world)
        # Our clock says the request began ten minutes from now: the provider's sign-in is from before it,
        # as an old session at the provider reused without asking would be.
        later = utcnow() + timedelta(minutes=10)
        monkeypatch.setattr(sso, "utcnow", lambda: later)
        authorize = journey.to_provider(sign_off_url(assessment) + "/confirm-identity", method="POST")
        response = journey.back(journey.at_provider(authorize, "decider-subject"))
        assert (response.status_code, refusal(response)) == (400, sso.STALE)
        assert db.session.execute(sa.select(IdentityConfirmation)).first() is None


def test_a_confirmation_not_used_within_the_window_no_longer_counts(make_app, provider, world, monkeypatch):
    app = make_app(**settings(provider, EQIA_OIDC_REAUTH_SECONDS=60))
    with app.app_context():
        journey, assessment = signed_in_decider(app, provider, world)
        journey.back(journey.at_provider(journey.to_provider(sign_off_url(assessment) + "/confirm-identity",
                                                             method="POST"), "decider-subject"))
        later = utcnow() + timedelta(seconds=61)
        monkeypatch.setattr(sso, "utcnow", lambda: later)
        refused = journey.client.post(sign_off_url(assessment), data={"attest": "y"})
        assert refused.status_code == 422
        db.session.expire_all()
        assert db.session.get(Assessment, assessment.id).state == "awaiting_sign_off"


@pytest.mark.parametrize("env, message", [
    ({"EQIA_OIDC_ISSUER": "login.microsoftonline.com/tenant/v2.0", "EQIA_OIDC_CLIENT_ID": "x"},
     "EQIA_OIDC_ISSUER must be the provider's issuer URL"),
    ({"EQIA_OIDC_ISSUER": "https://login.example/tenant"}, "EQIA_OIDC_CLIENT_ID is not set"),
    ({"EQIA_OIDC_ISSUER": "https://login.example/t", "EQIA_OIDC_CLIENT_ID": "x",
      "EQIA_OIDC_ROLE_MAP": '{"group": "superuser"}'}, "EQIA_OIDC_ROLE_MAP gives roles that do not exist"),
    ({"EQIA_OIDC_ISSUER": "https://login.example/t", "EQIA_OIDC_CLIENT_ID": "x", "EQIA_OIDC_ROLE_MAP": "[1, 2]"},
     "EQIA_OIDC_ROLE_MAP must be a JSON object"),
    ({"EQIA_PASSWORD_SIGN_IN": "off"}, "nobody could sign in"),
    ({"EQIA_PASSWORD_SIGN_IN": "perhaps"}, "EQIA_PASSWORD_SIGN_IN must be on or off"),
])
def test_a_single_sign_on_setting_that_cannot_work_stops_start_up_saying_which(env, message):
    from eqia.config import ConfigError, from_environment

    with pytest.raises(ConfigError, match=message):
        from_environment({"EQIA_ENV": "development", **env})
