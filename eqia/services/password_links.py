"""Links e-mailed to set a password, for two purposes: a reset the person asked
for from the sign-in page, and an invitation an admin sent
(eqia.services.invitations). One mechanism for both, and for a third kind of
link that sets no password: an invitation to someone who signs in through the
single sign-on provider, whose link ties their first provider sign-in to the
account made for them (eqia.services.single_sign_on.sign_in_user):

- The token is 256 random bits; the database keeps only its SHA-256 (a random
  token needs no slow hash). The e-mail's queued facts carry the token until
  the message is sent (eqia.notifications.outbox.mark_sent then drops it), as
  the message is written in words only when sent.
- A person has at most one link: a newer one replaces it, and setting a
  password by any path (or deactivation) deletes it, through
  credentials.end_credentials. Using it deletes it, so it works once.
- It expires: PASSWORD_RESET_LINK_SECONDS (default an hour) for a reset,
  INVITATION_LINK_SECONDS (default seven days) for an invitation.

Asking for a reset answers the same whether or not the address has an
account; the e-mail goes out after the answer, from the task queue, so the
answer's time does not tell either.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from eqia.audit_words import ACCOUNT
from eqia.extensions import db
from eqia.models import OutboxMessage, PasswordLink, User, utcnow
from eqia.notifications import kinds, outbox
from eqia.roles import ADMIN
from eqia.services import credentials, password_policy
from eqia.services.audit import append_event
from eqia.services.errors import Invalid
from eqia.workflow.hooks import Problem

RESET = "reset"
INVITATION = "invitation"
PURPOSES = (RESET, INVITATION)
# A link that sets no password: it opens the first sign-in through the provider (never a password page).
SIGN_IN_INVITATION = "sign_in_invitation"
# The outbox kind of each purpose's e-mail (templates/email/<kind>.txt and .html).
MESSAGE_KINDS = {RESET: kinds.PASSWORD_RESET, INVITATION: kinds.INVITATION}
LIFETIME_SETTINGS = {RESET: "PASSWORD_RESET_LINK_SECONDS", INVITATION: "INVITATION_LINK_SECONDS"}

# On the audit trail (kind ACCOUNT): a link sent, a password set with one, and an invitation taken up
# by a first sign-in through the provider (how it was known to be theirs in ACCEPTED_BY).
LINK_SENT_ACTIONS = {RESET: "password_reset_sent", INVITATION: "invitation_sent"}
PASSWORD_SET_ACTION = "password_set_by_link"
INVITATION_ACCEPTED_ACTION = "invitation_accepted"
ACCEPTED_BY_LINK = "invitation_link"
ACCEPTED_BY_VERIFIED_EMAIL = "verified_email"
# An invitation's e-mail facts say how its person signs in: through the provider, with no password.
SIGN_IN_FACT = "sign_in"
SIGN_IN_WITH_PROVIDER = "single_sign_on"

TOKEN_LONGEST = 100  # far longer than a token; anything longer is not one and is not hashed
PASSWORD_MISMATCH = password_policy.PageWords(password_policy.N_("Enter the same password twice"))


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def lifetime(purpose: str) -> timedelta:
    return timedelta(seconds=int(current_app.config[LIFETIME_SETTINGS[purpose]]))


def issue(user: User, purpose: str, *, actor: User | None = None) -> str:
    """A new link for `user`, replacing any they had, with its e-mail queued
    in this unit of work and the event on the trail; the token."""
    db.session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    link = PasswordLink(user_id=user.id, purpose=purpose, token_sha256=_sha256(token), created_at=now,
                        expires_at=now + lifetime(purpose))
    db.session.add(link)
    facts = {outbox.SECRET_FACT: token, "purpose": purpose, "name": user.name, "expires_at": link.expires_at.isoformat(),
             "inviter": actor.name if actor is not None else None}
    db.session.add(OutboxMessage(recipient=user.email, kind=MESSAGE_KINDS[purpose], details=facts, created_at=now))
    details = {"user_id": user.id, "email": user.email, "purpose": purpose}
    if purpose == INVITATION:
        details["roles"] = sorted(user.roles)
    append_event(action=LINK_SENT_ACTIONS[purpose], actor=actor, role=ADMIN if actor is not None else "",
                 kind=ACCOUNT, details=details)
    outbox.deliver_after_commit(current_app._get_current_object())
    db.session.flush()
    return token


def issue_sign_in_invitation(user: User, *, actor: User) -> str:
    """An invitation for someone who will sign in through the single sign-on provider, as passwords are off
    for them: its link (single use, expiring as an invitation's does) leads to the provider, and their first
    sign-in there through it is tied to this account, whatever the provider says of their e-mail address (an
    address Entra ID sends is not said to be verified). No password link: a password they could never use is
    no help. Any link they had goes. The trail has the same event as a password invitation's. The token."""
    db.session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    link = PasswordLink(user_id=user.id, purpose=SIGN_IN_INVITATION, token_sha256=_sha256(token), created_at=now,
                        expires_at=now + lifetime(INVITATION))
    db.session.add(link)
    facts = {outbox.SECRET_FACT: token, "purpose": INVITATION, SIGN_IN_FACT: SIGN_IN_WITH_PROVIDER,
             "name": user.name, "inviter": actor.name, "expires_at": link.expires_at.isoformat()}
    db.session.add(OutboxMessage(recipient=user.email, kind=MESSAGE_KINDS[INVITATION], details=facts,
                                 created_at=now))
    append_event(action=LINK_SENT_ACTIONS[INVITATION], actor=actor, role=ADMIN, kind=ACCOUNT,
                 details={"user_id": user.id, "email": user.email, "purpose": INVITATION,
                          "roles": sorted(user.roles)})
    outbox.deliver_after_commit(current_app._get_current_object())
    db.session.flush()
    return token


def accepted(user: User, by: str) -> None:
    """The invited person's first sign-in through the provider has taken up their invitation (`by`: the
    link, or their verified address): their links go, and the trail says so. Part of the caller's unit of
    work."""
    db.session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    append_event(action=INVITATION_ACCEPTED_ACTION, actor=user, kind=ACCOUNT,
                 details={"user_id": user.id, "email": user.email, "purpose": INVITATION, "by": by})


def request_reset(email: str) -> None:
    """Someone asked for a reset link for `email`: it is sent if an active
    account has that address. Says nothing either way."""
    user = db.session.execute(select(User).where(User.email == User.normalise_email(email or ""))
                              ).scalar_one_or_none()
    # With passwords off, only a break-glass admin has a password to reset: anyone else
    # signs in through the provider, and a password they could not use is no help.
    if user is None or not user.active or not credentials.password_allowed(user.email):
        # The same token work as a real link, so the two answers cost alike.
        _sha256(secrets.token_urlsafe(32))
        return
    issue(user, RESET)


def live_link(token: object, purposes: tuple[str, ...] = PURPOSES) -> PasswordLink | None:
    """The unexpired link this token opens, for an active account, or None. Only a link for one of
    `purposes`: by default a password link, so an invitation to sign in through the provider never opens
    a password page."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_LONGEST:
        return None
    link = db.session.execute(select(PasswordLink).where(PasswordLink.token_sha256 == _sha256(token))
                              ).scalar_one_or_none()
    if link is None or link.purpose not in purposes or link.expires_at <= utcnow() or not link.user.active:
        return None
    return link


class LinkGone(Exception):
    """The link has expired, been used or been replaced."""


def set_password(token: object, password: str, confirm: str) -> User:
    """Set the password of the link's person, ending every session and API
    token they had and using up the link. Raises LinkGone, or Invalid (for the
    fields `password` and `confirm_password`) having changed nothing."""
    link = live_link(token)
    if link is None:
        raise LinkGone()
    user, purpose = link.user, link.purpose
    problems = password_policy.problems(password, email=user.email, name=user.name)
    if (password or "") != (confirm or ""):
        problems.append(Problem(PASSWORD_MISMATCH, field="confirm_password"))
    if problems:
        raise Invalid(*problems)
    credentials.change_password(user, password)  # deletes the link too: it works once
    append_event(action=PASSWORD_SET_ACTION, actor=user, kind=ACCOUNT,
                 details={"user_id": user.id, "email": user.email, "purpose": purpose})
    return user
