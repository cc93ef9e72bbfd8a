"""Password links (issue 17): a reset asked for from the sign-in page and an
invitation sent by an admin, e-mailed through the outbox to a real SMTP server
on loopback; single use, expiring, replaced by a newer link, voided by a
password change; the same answer whether or not an account exists; throttled;
on the audit trail; hostile input refused clearly with nothing saved."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eqia.audit_words import ACCOUNT
from eqia.extensions import db
from eqia.models import AuditEvent, OutboxMessage, PasswordLink, User, utcnow
from eqia.roles import AUTHOR, EQUALITY_LEAD
from eqia.services import credentials, invitations, password_links, password_policy, tokens
from eqia.views.password_links import PASSWORD_SET
from tests.conftest import PASSWORD, Auth
from tests.test_notifications import Mailbox

NEW_PASSWORD = "violet kettle harbour lantern"
LINK = re.compile(r"https?://\S+/password-link/[A-Za-z0-9_-]+")


def deliver(app, runner) -> list:
    """Send what the outbox holds to a real SMTP server; the messages it received."""
    with Mailbox() as mailbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port)
        result = runner.invoke(args=["eqia", "send-notifications"])
        assert result.exit_code == 0, result.output
    return mailbox.received


def part(message, content_type: str = "text/plain") -> str:
    found = next(p for p in message.walk() if p.get_content_type() == content_type)
    return found.get_payload(decode=True).decode(found.get_content_charset() or "utf-8")


def plain_text(message) -> str:
    return part(message)


def link_path(message) -> str:
    return "/" + LINK.search(plain_text(message)).group(0).split("/", 3)[3]


def links() -> list[PasswordLink]:
    db.session.expire_all()
    return db.session.execute(sa.select(PasswordLink)).scalars().all()


def account_events() -> list[tuple[str, dict]]:
    return [(e.action, e.details) for e in db.session.execute(
        sa.select(AuditEvent).where(AuditEvent.kind == ACCOUNT).order_by(AuditEvent.seq)).scalars()]


# ------------------------------------------------------------------ reset

def test_a_reset_is_emailed_and_its_link_sets_the_password_once_ending_every_session_and_token(
        app, client, runner, auth, world):
    elsewhere = app.test_client()
    Auth(elsewhere).sign_in(world.author)
    _, api_token = tokens.create_token(world.author, "Committee papers")
    db.session.commit()

    page = client.get("/sign-in").data.decode()
    assert 'href="/forgotten-password"' in page and "Forgotten your password?" in page
    response = client.post("/forgotten-password", data={"email": "  Author@Example.TEST "})
    assert response.status_code == 302 and response.headers["Location"].endswith("/forgotten-password/sent")
    [message] = deliver(app, runner)
    assert message["To"] == world.author.email
    assert " ".join(message["Subject"].split()) == "Reset your password for Demo Borough Council equality impact assessments"
    path = link_path(message)
    token = path.rsplit("/", 1)[1]
    # Only the token's hash is kept; the outbox dropped the token once the e-mail was sent.
    [link] = links()
    assert link.token_sha256 == hashlib.sha256(token.encode()).hexdigest() and link.purpose == "reset"
    assert link.expires_at - link.created_at == timedelta(hours=1)
    [queued] = db.session.execute(sa.select(OutboxMessage)).scalars().all()
    assert token not in str(queued.details) and queued.sent_at is not None

    form = client.get(path)
    assert form.status_code == 200 and "Choose a new password" in form.data.decode()
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/sign-in")
    assert PASSWORD_SET in client.get("/sign-in").data.decode()
    # Not signed in by the link: they sign in with the new password.
    assert client.get("/my-work").status_code == 302
    assert elsewhere.get("/my-work").status_code == 302
    assert client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {api_token}"}).status_code == 401
    assert auth.sign_in(world.author, PASSWORD).status_code == 200
    assert auth.sign_in(world.author, NEW_PASSWORD).status_code == 302
    # Once only.
    assert links() == []
    gone = client.get(path)
    assert gone.status_code == 404 and "This link has expired or been used" in gone.data.decode()
    assert [(a, d["purpose"]) for a, d in account_events()] == [("password_reset_sent", "reset"),
                                                                 ("password_set_by_link", "reset")]
    assert all(d["user_id"] == world.author.id and d["email"] == world.author.email for _, d in account_events())


def test_the_answer_is_the_same_whether_or_not_the_account_exists_and_only_an_active_one_gets_a_link(
        client, world):
    world.co_author.active = False
    db.session.commit()
    answers = set()
    for email in (world.author.email, "nobody@example.test", world.co_author.email):
        response = client.post("/forgotten-password", data={"email": email})
        answers.add((response.status_code, response.headers["Location"]))
        answers.add(client.get(response.headers["Location"]).data.decode())
    assert len(answers) == 2  # one redirect, one page
    assert db.session.execute(sa.select(OutboxMessage.recipient)).scalars().all() == [world.author.email]


def test_a_later_link_and_a_password_change_each_void_the_link_before(client, world):
    first = password_links.issue(world.author, password_links.RESET)
    second = password_links.issue(world.author, password_links.RESET)
    db.session.commit()
    assert client.get(f"/password-link/{first}").status_code == 404
    assert client.get(f"/password-link/{second}").status_code == 200
    credentials.change_password(world.author, NEW_PASSWORD)
    db.session.commit()
    assert client.get(f"/password-link/{second}").status_code == 404


def test_an_expired_link_or_a_deactivated_account_opens_nothing(client, world):
    token = password_links.issue(world.author, password_links.RESET)
    db.session.commit()
    # The link's own expiry moved into the past, as the clock passing it would.
    db.session.execute(sa.update(PasswordLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.post(f"/password-link/{token}", data={"password": NEW_PASSWORD,
                                                             "confirm_password": NEW_PASSWORD})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(User, world.author.id).check_password(PASSWORD)
    token = password_links.issue(world.author, password_links.RESET)
    credentials.deactivate(world.author)
    db.session.commit()
    assert client.get(f"/password-link/{token}").status_code == 404


@pytest.mark.parametrize("password,confirm,field,message", [
    ("", "", "password", "Enter a new password"),
    ("short", "short", "password", password_policy.TOO_SHORT),
    ("x" * 257, "x" * 257, "password", password_policy.TOO_LONG),
    ("Password2026!", "Password2026!", "password", password_policy.TOO_COMMON),
    ("author author author", "author author author", "password", password_policy.PERSONAL),
    (NEW_PASSWORD, NEW_PASSWORD + "s", "confirm_password", password_links.PASSWORD_MISMATCH),
], ids=["empty", "short", "too long", "common", "their own name", "mistyped"])
def test_a_refused_new_password_says_why_and_keeps_the_link_and_the_old_password(
        client, world, password, confirm, field, message):
    token = password_links.issue(world.author, password_links.RESET)
    db.session.commit()
    response = client.post(f"/password-link/{token}", data={"password": password, "confirm_password": confirm})
    assert response.status_code == 422
    page = response.data.decode()
    assert f'href="#{field}"' in page and message.replace("\u2019", "&#39;") in page.replace("\u2019", "&#39;")
    db.session.expire_all()
    assert db.session.get(User, world.author.id).check_password(PASSWORD)
    assert len(links()) == 1


@pytest.mark.parametrize("token", ["x" * 5000, "<script>alert(1)</script>", "' OR 1=1 --", "file:%2F%2F%2Fetc%2Fpasswd",
                                   "%00"])
def test_a_hostile_token_opens_nothing_and_fails_nothing(client, world, token):
    password_links.issue(world.author, password_links.RESET)
    db.session.commit()
    response = client.post(f"/password-link/{token}", data={"password": NEW_PASSWORD,
                                                             "confirm_password": NEW_PASSWORD})
    assert response.status_code == 404
    assert "<script>alert" not in response.data.decode()


@pytest.mark.parametrize("email,status,message", [
    ("", 422, "Enter your email address"),
    ("x" * 321, 422, "Email address must be 320 characters or fewer"),
    ("<script>alert(1)</script>", 302, None),
    ("' OR 1=1 --", 302, None),
    ("file:///etc/passwd", 302, None),
    ("author@example.test\x00", 422, "Remove the null character"),
], ids=["empty", "huge", "script", "sql", "file", "nul"])
def test_hostile_input_when_asking_for_a_link_is_refused_or_answered_like_any_other_address(
        client, world, email, status, message):
    response = client.post("/forgotten-password", data={"email": email})
    assert response.status_code == status
    if message:
        assert message in response.data.decode()
    assert db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar_one() == 0
    assert links() == []


def test_asking_for_links_is_throttled_per_address_asked_about_and_per_client(make_app, world):
    app = make_app(RATELIMIT_ENABLED=True, PASSWORD_RESET_RATE_LIMIT="2 per hour",
                   PASSWORD_RESET_ADDRESS_RATE_LIMIT="4 per hour")
    with app.app_context():
        client = app.test_client()
        asked = [client.post("/forgotten-password", data={"email": "nobody@example.test"}).status_code
                 for _ in range(3)]
        assert asked == [302, 302, 429]  # an unknown address is throttled like a known one
        others = [client.post("/forgotten-password", data={"email": f"n{n}@example.test"}).status_code
                  for n in range(3)]
        assert others == [302, 302, 429]  # four from this client in all


# ------------------------------------------------------------ invitations

def invite_form(**overrides) -> dict:
    return {"name": "Priya Shah", "email": "priya.shah@example.test", "roles": [AUTHOR, EQUALITY_LEAD],
            "directorate": "", **overrides}


def test_an_admin_invites_a_person_who_sets_a_password_from_the_email_and_signs_in(
        app, client, runner, auth, world):
    auth.sign_in(world.admin)
    page = client.get("/admin/users/invite")
    assert page.status_code == 200
    response = client.post("/admin/users/invite", data=invite_form(directorate=str(world.directorate.id)))
    assert response.status_code == 302
    assert "Invitation sent to priya.shah@example.test" in client.get("/admin/users/invite").data.decode()
    invited = db.session.execute(sa.select(User).where(User.email == "priya.shah@example.test")).scalar_one()
    assert not invited.has_password and invited.roles == {AUTHOR, EQUALITY_LEAD}
    assert invited.directorate_id == world.directorate.id
    # Until the password is set, no password signs the account in, not even an empty one.
    auth.sign_out()
    for guess in ("", PASSWORD):
        assert client.post("/sign-in", data={"email": invited.email, "password": guess}).status_code == 200
    [message] = deliver(app, runner)
    assert " ".join(message["Subject"].split()) == "You have been invited to Demo Borough Council equality impact assessments"
    assert "Admin has invited you" in plain_text(message)
    path = link_path(message)
    assert [(link.purpose, link.expires_at - link.created_at) for link in links()] == [
        ("invitation", timedelta(days=7))]
    assert "Choose your password" in client.get(path).data.decode()
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}).status_code == 302
    assert auth.sign_in(invited, NEW_PASSWORD).status_code == 302
    assert [(a, d.get("roles")) for a, d in account_events()] == [
        ("invitation_sent", [AUTHOR, EQUALITY_LEAD]), ("password_set_by_link", None)]
    assert db.session.execute(sa.select(AuditEvent.actor_id).where(AuditEvent.action == "invitation_sent")
                              ).scalar_one() == world.admin.id


def test_inviting_again_replaces_the_link_and_an_account_with_a_password_is_not_invited(client, auth, world):
    auth.sign_in(world.admin)
    client.post("/admin/users/invite", data=invite_form())
    first = links()[0].token_sha256
    client.post("/admin/users/invite", data=invite_form(name="Priya Shah-Jones", roles=[AUTHOR]))
    [link] = links()
    assert link.token_sha256 != first
    invited = db.session.execute(sa.select(User).where(User.email == "priya.shah@example.test")).scalar_one()
    assert invited.name == "Priya Shah-Jones" and invited.roles == {AUTHOR}
    response = client.post("/admin/users/invite", data=invite_form(email=world.author.email))
    assert response.status_code == 422
    assert invitations.ACCOUNT_EXISTS.format(email=world.author.email).replace("\u2019", "&#39;") in \
        response.data.decode().replace("\u2019", "&#39;")
    db.session.expire_all()
    assert db.session.get(User, world.author.id).check_password(PASSWORD)


def test_only_an_admin_may_invite(client, auth, world):
    assert client.get("/admin/users/invite").status_code == 302  # to sign in
    auth.sign_in(world.lead)
    assert client.get("/admin/users/invite").status_code == 403
    assert client.post("/admin/users/invite", data=invite_form()).status_code == 403
    assert links() == []


HOSTILE = {"script": "<script>alert(1)</script>", "sql": "'; DROP TABLE user_account; --",
           "file": "file:///etc/passwd", "huge": "x" * 5000}


@pytest.mark.parametrize("field,value,message", [
    ("name", "", invitations.NAME_MISSING),
    ("name", HOSTILE["huge"], invitations.NAME_TOO_LONG),
    ("email", "", invitations.EMAIL_MISSING),
    ("email", HOSTILE["huge"], invitations.EMAIL_INVALID),
    ("email", HOSTILE["script"], invitations.EMAIL_INVALID),
    ("email", HOSTILE["sql"], invitations.EMAIL_INVALID),
    ("email", HOSTILE["file"], invitations.EMAIL_INVALID),
    ("roles", [], invitations.ROLES_MISSING),
    ("roles", ["superuser"], invitations.ROLE_UNKNOWN),
    ("directorate", "999999", invitations.DIRECTORATE_UNKNOWN),
    ("directorate", HOSTILE["sql"], invitations.DIRECTORATE_UNKNOWN),
    ("name", "Priya\x00", "Remove the null character"),
], ids=lambda v: str(v)[:20])
def test_a_refused_invitation_says_why_and_saves_nothing(client, auth, world, field, value, message):
    auth.sign_in(world.admin)
    users_before = db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one()
    response = client.post("/admin/users/invite", data=invite_form(**{field: value}))
    assert response.status_code == 422
    page = response.data.decode().replace("&#39;", "\u2019")
    assert message in page and f'href="#{field}' in page
    assert db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one() == users_before
    assert links() == [] and account_events() == []


@pytest.mark.parametrize("kind", ["script", "sql", "file"])
def test_a_hostile_name_is_kept_verbatim_and_shown_escaped(app, client, runner, auth, world, kind):
    auth.sign_in(world.admin)
    assert client.post("/admin/users/invite", data=invite_form(name=HOSTILE[kind])).status_code == 302
    invited = db.session.execute(sa.select(User).where(User.email == "priya.shah@example.test")).scalar_one()
    assert invited.name == HOSTILE[kind]
    [message] = deliver(app, runner)
    html = part(message, "text/html")
    assert "<script>alert" not in html


def test_an_empty_invitation_lists_every_problem_at_once(client, auth, world):
    auth.sign_in(world.admin)
    response = client.post("/admin/users/invite", data={"name": "", "email": "", "directorate": ""})
    assert response.status_code == 422
    page = response.data.decode().replace("&#39;", "\u2019")
    for message in (invitations.NAME_MISSING, invitations.EMAIL_MISSING, invitations.ROLES_MISSING):
        assert message in page
