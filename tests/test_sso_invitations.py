"""Invitations when the council signs in through single sign-on, against a real OpenID Connect provider on
loopback: with passwords off the e-mail has no password link; its single-use link leads to the provider, and
the sign-in made through it claims the invited account whatever the provider says of the e-mail address
(Entra ID says nothing). A first sign-in with the address verified claims it too, keeping what the admin
gave; an unverified e-mail claims nothing, an account tied to another identity is never taken over, and a
deactivated one is refused."""

from __future__ import annotations

import sqlalchemy as sa

from eqia.extensions import db
from eqia.models import AuditEvent, PasswordLink, User
from eqia.roles import AUTHOR, EQUALITY_LEAD
from eqia.services import single_sign_on as sso
from tests.conftest import PASSWORD
from tests.test_password_links import deliver, part, plain_text
from tests.test_single_sign_on import Journey, provider, refusal, set_claims, settings, tie  # noqa: F401 (fixture)
from eqia.services import password_links

EMAIL = "priya.shah@example.test"


def sso_app(make_app, provider, world):
    return make_app(**settings(provider, EQIA_PASSWORD_SIGN_IN=False,
                               EQIA_BREAK_GLASS_ADMINS=frozenset({world.admin.email})))


def invite(app, world) -> User:
    admin = Journey(app)
    assert admin.client.post("/sign-in", data={"email": world.admin.email, "password": PASSWORD}
                             ).status_code == 302
    response = admin.client.post("/admin/users/invite", data={
        "name": "Priya Shah", "email": EMAIL, "roles": [AUTHOR, EQUALITY_LEAD],
        "directorate": str(world.directorate.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = admin.client.get("/admin/users/invite").get_data(as_text=True)
    assert f"Invitation sent to {EMAIL}. They sign in with their council account" in page
    db.session.expire_all()
    return db.session.execute(sa.select(User).where(User.email == EMAIL)).scalar_one()


def invitation_address(app) -> str:
    """The path of the invitation's link, from the e-mail a real SMTP server received."""
    [message] = deliver(app, app.test_cli_runner())
    address = plain_text(message).split("http://127.0.0.1:5000", 1)[1].split()[0]
    assert address.startswith("/sign-in/sso/invitation/")
    return address


def test_the_invitation_has_no_password_link_and_its_link_leads_to_the_provider(make_app, provider, world):
    app = sso_app(make_app, provider, world)
    with app.app_context():
        invited = invite(app, world)
        [link] = db.session.execute(sa.select(PasswordLink)).scalars()
        assert (link.user_id, link.purpose) == (invited.id, password_links.SIGN_IN_INVITATION)
        [message] = deliver(app, app.test_cli_runner())
        text, html = plain_text(message), part(message, "text/html")
        assert "Admin has invited you" in text and "sign in with your council account" in text
        assert "The link works once, until" in text
        token = text.split("/sign-in/sso/invitation/", 1)[1].split()[0]
        for body in (text, html):
            assert f"http://127.0.0.1:5000/sign-in/sso/invitation/{token}" in body and "/password-link/" not in body
        # The link sets no password: as a password link it opens nothing.
        assert Journey(app).client.get(f"/password-link/{token}").status_code == 404
        event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "invitation_sent")).scalar_one()
        assert event.actor_id == world.admin.id and event.details["user_id"] == invited.id
        assert event.details["roles"] == [AUTHOR, EQUALITY_LEAD]


def test_a_break_glass_admin_is_still_invited_with_a_password_link(make_app, provider, world):
    app = make_app(**settings(provider, EQIA_PASSWORD_SIGN_IN=False,
                              EQIA_BREAK_GLASS_ADMINS=frozenset({world.admin.email, EMAIL})))
    with app.app_context():
        invite_page = Journey(app)
        invite_page.client.post("/sign-in", data={"email": world.admin.email, "password": PASSWORD})
        invite_page.client.post("/admin/users/invite", data={"name": "Priya Shah", "email": EMAIL,
                                                             "roles": [AUTHOR], "directorate": ""})
        assert len(db.session.execute(sa.select(PasswordLink)).all()) == 1


def test_the_invited_person_signs_in_through_the_provider_with_the_roles_the_admin_gave(make_app, provider, world):
    set_claims(provider, "priya-subject", email=EMAIL.upper(), email_verified=True, name="Priya at the council")
    app = sso_app(make_app, provider, world)
    with app.app_context():
        invited = invite(app, world)
        journey = Journey(app)
        response = journey.sign_in("priya-subject")
        assert response.status_code == 302 and response.headers["Location"].endswith("/my-work")
        assert journey.client.get("/my-work").status_code == 200
        db.session.expire_all()
        tied = db.session.get(User, invited.id)
        assert (tied.oidc_issuer, tied.oidc_subject) == (provider, "priya-subject")
        assert tied.roles == {AUTHOR, EQUALITY_LEAD} and tied.directorate_id == world.directorate.id
        assert db.session.execute(sa.select(sa.func.count()).select_from(User).where(User.email == EMAIL)
                                  ).scalar() == 1
        # No longer listed as invited: the account signs in through the provider, and no password opens it.
        assert tied.has_password and not tied.check_password("!") and not tied.check_password(PASSWORD)
        admin = Journey(app)
        admin.client.post("/sign-in", data={"email": world.admin.email, "password": PASSWORD})
        row = admin.client.get("/admin/users").get_data(as_text=True).split(EMAIL, 1)[1].split("</tr>", 1)[0]
        assert "Active" in row and "Invited" not in row


def test_a_deactivated_invited_account_is_refused(make_app, provider, world):
    set_claims(provider, "priya-subject", email=EMAIL, email_verified=True)
    app = sso_app(make_app, provider, world)
    with app.app_context():
        invited = invite(app, world)
        db.session.execute(sa.update(User).where(User.id == invited.id).values(active=False))
        db.session.commit()
        response = Journey(app).sign_in("priya-subject")
        assert (response.status_code, refusal(response)) == (403, sso.INACTIVE)
        db.session.expire_all()
        assert db.session.get(User, invited.id).oidc_subject is None


def test_the_welsh_invitation_is_in_welsh(make_app, provider, world):
    app = sso_app(make_app, provider, world)
    with app.app_context():
        invited = invite(app, world)
        db.session.execute(sa.update(User).where(User.id == invited.id).values(language="cy"))
        db.session.commit()
        [message] = deliver(app, app.test_cli_runner())
        text = plain_text(message)
        assert "Nid oes angen cyfrinair arnoch" in text and "http://127.0.0.1:5000/sign-in/sso/invitation/" in text


def test_an_unverified_email_claims_nothing(make_app, provider, world):
    set_claims(provider, "pretender", email=EMAIL, email_verified=False, name="Pretender")
    app = make_app(**settings(provider, EQIA_PASSWORD_SIGN_IN=False, EQIA_OIDC_CREATE_ACCOUNTS=True,
                              EQIA_BREAK_GLASS_ADMINS=frozenset({world.admin.email})))
    with app.app_context():
        invited = invite(app, world)
        response = Journey(app).sign_in("pretender")
        # The address is the invited person's, so no account is made for it either: refused.
        assert response.status_code == 403
        db.session.expire_all()
        untouched = db.session.get(User, invited.id)
        assert (untouched.oidc_issuer, untouched.oidc_subject) == (None, None)
        assert db.session.execute(sa.select(User).where(User.oidc_subject == "pretender")).first() is None


def test_an_unverified_newcomer_gets_a_new_account_that_waits_and_the_invited_one_is_untouched(make_app, provider, world):
    set_claims(provider, "other", email="priya.s@example.test", email_verified=False, name="Priya S")
    app = make_app(**settings(provider, EQIA_PASSWORD_SIGN_IN=False, EQIA_OIDC_CREATE_ACCOUNTS=True,
                              EQIA_BREAK_GLASS_ADMINS=frozenset({world.admin.email})))
    with app.app_context():
        invited = invite(app, world)
        response = Journey(app).sign_in("other")
        assert response.headers["Location"].endswith("/sign-in/waiting")
        db.session.expire_all()
        assert db.session.get(User, invited.id).oidc_subject is None
        newcomer = db.session.execute(sa.select(User).where(User.oidc_subject == "other")).scalar_one()
        assert newcomer.id != invited.id and not newcomer.roles


def test_an_account_tied_to_another_subject_is_not_taken_over(make_app, provider, world):
    set_claims(provider, "intruder", email=EMAIL, email_verified=True)
    app = make_app(**settings(provider, EQIA_PASSWORD_SIGN_IN=False, EQIA_OIDC_MATCH_VERIFIED_EMAIL=True,
                              EQIA_BREAK_GLASS_ADMINS=frozenset({world.admin.email})))
    with app.app_context():
        invited = invite(app, world)
        tie(invited, provider, "priya-subject")
        response = Journey(app).sign_in("intruder")
        assert response.status_code == 403
        db.session.expire_all()
        assert db.session.get(User, invited.id).oidc_subject == "priya-subject"
        assert db.session.execute(sa.select(User).where(User.oidc_subject == "intruder")).first() is None


def test_the_link_claims_the_account_when_the_provider_says_nothing_of_the_address(make_app, provider, world):
    # As Entra ID signs people in: no email_verified, and here no e-mail address at all.
    set_claims(provider, "entra-subject", name="Priya (Entra)")
    app = sso_app(make_app, provider, world)
    with app.app_context():
        invited = invite(app, world)
        address = invitation_address(app)
        journey = Journey(app)
        response = journey.back(journey.at_provider(journey.to_provider(address), "entra-subject"))
        assert response.status_code == 302 and response.headers["Location"].endswith("/my-work")
        assert journey.client.get("/my-work").status_code == 200
        db.session.expire_all()
        tied = db.session.get(User, invited.id)
        assert (tied.oidc_issuer, tied.oidc_subject) == (provider, "entra-subject")
        assert tied.roles == {AUTHOR, EQUALITY_LEAD} and tied.directorate_id == world.directorate.id
        assert tied.has_password and not tied.check_password("!")
        assert db.session.execute(sa.select(PasswordLink)).first() is None  # used up
        event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "invitation_accepted")
                                   ).scalar_one()
        assert event.actor_id == invited.id
        assert event.details == {"user_id": invited.id, "email": EMAIL, "purpose": "invitation",
                                 "by": "invitation_link"}
        # It works once: the same link again is refused before anyone goes to the provider.
        again = Journey(app).client.get(address)
        assert (again.status_code, refusal(again)) == (400, sso.INVITATION_GONE)
        assert "ask an administrator of" in again.get_data(as_text=True)
        # And the person signs in as usual from then on, by their subject.
        later = Journey(app).sign_in("entra-subject")
        assert later.headers["Location"].endswith("/my-work")


def test_a_link_used_up_between_leaving_and_coming_back_claims_nothing(make_app, provider, world):
    set_claims(provider, "first")
    set_claims(provider, "second")
    app = sso_app(make_app, provider, world)
    with app.app_context():
        invited = invite(app, world)
        address = invitation_address(app)
        one, two = Journey(app), Journey(app)
        at_one, at_two = one.to_provider(address), two.to_provider(address)  # both set off with the link
        assert one.back(one.at_provider(at_one, "first")).headers["Location"].endswith("/my-work")
        response = two.back(two.at_provider(at_two, "second"))
        assert (response.status_code, refusal(response)) == (400, sso.INVITATION_GONE)
        db.session.expire_all()
        assert db.session.get(User, invited.id).oidc_subject == "first"
        assert db.session.execute(sa.select(User).where(User.oidc_subject == "second")).first() is None


def test_an_expired_replaced_or_unknown_link_is_refused_with_a_clear_page(make_app, provider, world):
    app = sso_app(make_app, provider, world)
    with app.app_context():
        invited = invite(app, world)
        first = invitation_address(app)
        invite(app, world)  # inviting again replaces the link
        second = invitation_address(app)
        journey = Journey(app)
        for address in (first, "/sign-in/sso/invitation/not-a-token", "/sign-in/sso/invitation/" + "x" * 5000):
            response = journey.client.get(address)
            assert (response.status_code, refusal(response)) == (400, sso.INVITATION_GONE), address
        assert journey.client.get(second).status_code == 302
        db.session.execute(sa.update(PasswordLink).values(expires_at=sa.func.current_timestamp()))
        db.session.commit()
        response = journey.client.get(second)
        assert (response.status_code, refusal(response)) == (400, sso.INVITATION_GONE)
        db.session.execute(sa.update(User).where(User.id == invited.id).values(active=False))
        db.session.commit()
        assert journey.client.get(second).status_code == 400


def test_a_verified_email_claim_can_be_named_as_entra_names_it(make_app, provider, world):
    set_claims(provider, "entra-subject", email=EMAIL, xms_edov=True)
    app = make_app(**settings(provider, EQIA_PASSWORD_SIGN_IN=False, EQIA_OIDC_EMAIL_VERIFIED_CLAIM="xms_edov",
                              EQIA_BREAK_GLASS_ADMINS=frozenset({world.admin.email})))
    with app.app_context():
        invited = invite(app, world)
        assert Journey(app).sign_in("entra-subject").headers["Location"].endswith("/my-work")
        db.session.expire_all()
        assert db.session.get(User, invited.id).oidc_subject == "entra-subject"
        event = db.session.execute(sa.select(AuditEvent).where(AuditEvent.action == "invitation_accepted")
                                   ).scalar_one()
        assert event.details["by"] == "verified_email"


def test_an_account_made_before_passwords_went_off_is_moved_to_single_sign_on_by_an_invitation(
        make_app, provider, world):
    set_claims(provider, "author-subject")
    app = sso_app(make_app, provider, world)
    with app.app_context():
        admin = Journey(app)
        admin.client.post("/sign-in", data={"email": world.admin.email, "password": PASSWORD})
        response = admin.client.post("/admin/users/invite", data={
            "name": world.author.name, "email": world.author.email, "roles": [AUTHOR], "directorate": ""})
        assert response.status_code == 302, response.get_data(as_text=True)
        address = invitation_address(app)
        journey = Journey(app)
        assert journey.back(journey.at_provider(journey.to_provider(address), "author-subject")
                            ).headers["Location"].endswith("/my-work")
        db.session.expire_all()
        moved = db.session.get(User, world.author.id)
        assert moved.oidc_subject == "author-subject" and moved.roles == {AUTHOR}
        # Once tied, it is an account like any other: inviting it again is refused.
        again = admin.client.post("/admin/users/invite", data={
            "name": world.author.name, "email": world.author.email, "roles": [AUTHOR], "directorate": ""})
        assert again.status_code == 422


def test_someone_signed_in_opening_an_invitation_is_told_and_nothing_is_used(make_app, provider, world):
    app = sso_app(make_app, provider, world)
    with app.app_context():
        invite(app, world)
        address = invitation_address(app)
        admin = Journey(app)
        admin.client.post("/sign-in", data={"email": world.admin.email, "password": PASSWORD})
        response = admin.client.get(address)
        assert response.status_code == 302 and response.headers["Location"].endswith("/my-work")
        assert "To take up an invitation for someone else, sign out first" in admin.client.get(
            "/my-work").get_data(as_text=True)
        assert db.session.execute(sa.select(PasswordLink)).scalar_one().purpose == "sign_in_invitation"
