"""Single sign-on with an OpenID Connect provider (Microsoft Entra ID, or any other).

The authorisation code flow with PKCE (S256), through Authlib's Flask client:
Authlib keeps the state, the nonce and the code verifier in the signed session
and checks the state, the ID token's signature, issuer, audience, expiry and
nonce on return. This module adds the service's own rules:

- An account is the provider's (issuer, subject): an e-mail address can be
  given to someone else later, a subject never. A first sign-in finds an
  existing account by e-mail only when EQIA_OIDC_MATCH_VERIFIED_EMAIL is on and
  the provider says the address is verified; otherwise someone unknown gets an
  account only when EQIA_OIDC_CREATE_ACCOUNTS is on. An invited account (made by
  an admin, no password set yet, tied to no identity) is claimed by its verified
  address whatever those settings say: the admin's invitation is the consent.
- Roles and directorate come from the groups claim through the configured maps.
  When the claim maps to a role, the claim decides the roles at every sign-in;
  when it maps to none, the roles an administrator gave are left alone (so an
  account the maps do not cover waits for an administrator).
- A signature asks the signer to prove who they are again. Someone who signed in
  here signs in at the provider again (prompt=login, max_age=0); a fresh
  authentication (its auth_time after the request began and within
  EQIA_OIDC_REAUTH_SECONDS) by the same subject is kept as an
  IdentityConfirmation, bound to the user, the assessment's version and the
  transition, and used once by the engine in place of the password.

Refusals are `Refused` with a code; the words are the view's. The log names the
code, never the person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app, request, session
from joserfc.errors import InvalidClaimError, JoseError  # what Authlib's ID token checks raise
from sqlalchemy import select, update

from eqia.extensions import db
from eqia.links import external_url
from eqia.models import Directorate, IdentityConfirmation, User, utcnow
from eqia.roles import ADMIN
from eqia.services import password_links

log = logging.getLogger(__name__)

CLIENT = "oidc"
# How far the provider's clock and ours may disagree when judging auth_time.
CLOCK_SKEW = timedelta(seconds=30)

# Why a return from the provider was refused: codes, worded by the view.
BAD_STATE = "bad_state"
BAD_NONCE = "bad_nonce"
BAD_TOKEN = "bad_token"
PROVIDER_ERROR = "provider_error"
PROVIDER_UNREACHABLE = "provider_unreachable"
UNKNOWN_USER = "unknown_user"
INACTIVE = "inactive"
NO_EMAIL = "no_email"
ANOTHER_SUBJECT = "another_subject"
STALE = "stale"
INVITATION_GONE = "invitation_gone"
REFUSALS = (BAD_STATE, BAD_NONCE, BAD_TOKEN, PROVIDER_ERROR, PROVIDER_UNREACHABLE, UNKNOWN_USER, INACTIVE,
            NO_EMAIL, ANOTHER_SUBJECT, STALE, INVITATION_GONE)

SIGN_IN = "sign_in"
CONFIRM = "confirm"
ASSESSMENT = "assessment"  # the subject an assessment's confirmation names (eqia.assessments.subject)
# Where the session remembers that its user signed in through the provider.
SIGNED_IN_WITH = "_signed_in_with"


class Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Return:
    """A verified return from the provider: why the user went, and the ID token's claims."""

    purpose: dict
    claims: dict


def enabled() -> bool:
    return bool(current_app.config.get("EQIA_OIDC_ISSUER"))


def provider_name() -> str:
    return current_app.config["EQIA_OIDC_PROVIDER_NAME"]


def reauthentication_seconds() -> int:
    return current_app.config["EQIA_OIDC_REAUTH_SECONDS"]


def signed_in_with_provider() -> bool:
    return enabled() and session.get(SIGNED_IN_WITH) == "oidc"


def _client():
    apps = current_app.extensions.setdefault("eqia_single_sign_on", {})
    if "oauth" not in apps:
        config = current_app.config
        oauth = OAuth(current_app._get_current_object())
        oauth.register(CLIENT, client_id=config["EQIA_OIDC_CLIENT_ID"],
                       client_secret=config["EQIA_OIDC_CLIENT_SECRET"] or None,
                       server_metadata_url=config["EQIA_OIDC_ISSUER"] + "/.well-known/openid-configuration",
                       client_kwargs={"scope": config["EQIA_OIDC_SCOPES"], "code_challenge_method": "S256",
                                      "timeout": 10})
        apps["oauth"] = oauth
    return apps["oauth"].create_client(CLIENT)


def begin(purpose: dict, *, again: bool = False) -> str:
    """The provider's address to send the user to, having kept in the session what the return is checked
    against. `again`: the user must sign in afresh, whatever session they have at the provider."""
    client = _client()
    extra = {"prompt": "login", "max_age": 0} if again else {}
    try:
        found = client.create_authorization_url(external_url("sso.callback"), **extra)
    except (requests.RequestException, ValueError) as error:
        log.warning("single sign-on refused: %s (%s)", PROVIDER_UNREACHABLE, type(error).__name__)
        raise Refused(PROVIDER_UNREACHABLE) from None
    url = found.pop("url")  # not kept: the session cookie carries only what the return is checked against
    client.save_authorize_data(redirect_uri=external_url("sso.callback"), purpose=purpose,
                               started=utcnow().timestamp(), **found)
    return url


def finish() -> Return:
    """Check the return from the provider and exchange its code: the claims of a valid ID token, or Refused."""
    client = _client()
    kept = client.framework.get_state_data(session, request.args.get("state")) or {}
    try:
        token = client.authorize_access_token()
    except MismatchingStateError:
        raise _refuse(BAD_STATE) from None
    except OAuthError:
        raise _refuse(PROVIDER_ERROR) from None
    except InvalidClaimError as error:
        raise _refuse(BAD_NONCE if error.claim == "nonce" else BAD_TOKEN) from None
    except JoseError:
        raise _refuse(BAD_TOKEN) from None
    except (requests.RequestException, ValueError):
        raise _refuse(PROVIDER_UNREACHABLE) from None
    claims = token.get("userinfo")
    # OpenID Connect caps a subject at 255 ASCII characters; an issuer is a URL we configured (at most 500).
    if (not claims or not isinstance(claims.get("sub"), str) or not 0 < len(claims["sub"]) <= 255
            or not isinstance(claims.get("iss"), str) or len(claims["iss"]) > 500):
        raise _refuse(BAD_TOKEN)
    purpose = dict(kept.get("purpose") or {})
    purpose["started"] = kept.get("started")
    return Return(purpose=purpose, claims=dict(claims))


def _refuse(code: str) -> Refused:
    log.warning("single sign-on refused: %s", code)
    return Refused(code)


def _groups(claims: dict) -> list[str]:
    value = claims.get(current_app.config["EQIA_OIDC_GROUPS_CLAIM"])
    if isinstance(value, str):
        value = [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _apply_claims(user: User, claims: dict) -> None:
    groups = _groups(claims)
    role_map = current_app.config["EQIA_OIDC_ROLE_MAP"]
    roles = {role_map[g] for g in groups if g in role_map}
    if roles:
        user.set_roles(roles)
    directorate_map = current_app.config["EQIA_OIDC_DIRECTORATE_MAP"]
    names = [directorate_map[g] for g in groups if g in directorate_map]
    if names:
        found = db.session.execute(select(Directorate).where(Directorate.name == names[0])).scalar_one_or_none()
        if found is not None:
            user.directorate = found


def invitation_link(token: object):
    """The live invitation to sign in through the provider that this token opens, or None."""
    return password_links.live_link(token, purposes=(password_links.SIGN_IN_INVITATION,))


def _claimable(user: User) -> bool:
    """An account an invitation can give to whoever takes it up: live, and tied to no identity yet."""
    return user.active and user.oidc_subject is None and user.oidc_issuer is None


def sign_in_user(claims: dict, invitation: str | None = None) -> User:
    """The account these claims are: found by (issuer, subject), else the account the invitation
    (`invitation`, the token of its link) was sent for, else by verified e-mail, else made, as the settings
    allow; its roles and directorate as the claims map them. Flushed, not committed."""
    config = current_app.config
    issuer, subject = str(claims.get("iss", "")), claims["sub"]
    user = db.session.execute(select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
                              ).scalar_one_or_none()
    email = claims.get("email") if isinstance(claims.get("email"), str) else ""
    email = User.normalise_email(email)
    if len(email) > 320 or "@" not in email:
        email = ""  # no address an account could have
    # An e-mail address claims an account only when the provider says it has verified it: an unverified
    # address is whatever someone typed into their profile at the provider (or at a tenant they run), so
    # trusting it would let anyone take over the account of whoever has that address here. Which claim says
    # so is a setting: `email_verified` by the standard; Entra ID's is `xms_edov`, an optional claim.
    verified = bool(email) and claims.get(config["EQIA_OIDC_EMAIL_VERIFIED_CLAIM"]) is True
    if user is None and invitation is not None:
        # The invitation's link came to the invited address: following it, and signing in at the provider,
        # shows the person is the one invited, whatever the provider says of their address.
        link = invitation_link(invitation)
        if link is None or not _claimable(link.user):
            raise _refuse(INVITATION_GONE)
        user = link.user
        if not user.has_password:
            user.password_hash = "!"  # no Argon2 hash: no password ever matches it
        password_links.accepted(user, password_links.ACCEPTED_BY_LINK)
    if user is None and verified:
        # An invited person's first sign-in: the account an admin made for this address, which has no
        # password yet and is tied to no identity, becomes theirs, with the roles and directorate the
        # admin gave. An account tied to an identity is never re-tied.
        user = db.session.execute(select(User).where(User.email == email, User.oidc_subject.is_(None),
                                                     User.oidc_issuer.is_(None), User.password_hash == "")
                                  ).scalar_one_or_none()
        if user is not None and user.active:
            # Now it signs in through the provider: no longer "Invited" on the users page, and, like an
            # account made here, no password ("!" is no Argon2 hash, so no password ever matches it).
            user.password_hash = "!"
            password_links.accepted(user, password_links.ACCEPTED_BY_VERIFIED_EMAIL)
    if user is None and verified and config["EQIA_OIDC_MATCH_VERIFIED_EMAIL"]:
        user = db.session.execute(select(User).where(User.email == email, User.oidc_subject.is_(None))
                                  ).scalar_one_or_none()
    if user is None:
        if not config["EQIA_OIDC_CREATE_ACCOUNTS"]:
            raise _refuse(UNKNOWN_USER)
        if not email or db.session.execute(select(User.id).where(User.email == email)).first() is not None:
            # An address already taken by an account tied to no one here is not claimed by a newcomer.
            raise _refuse(NO_EMAIL if not email else UNKNOWN_USER)
        name = claims.get("name") if isinstance(claims.get("name"), str) and claims["name"].strip() else email
        # No password: "!" is no Argon2 hash, so no password ever matches it.
        user = User(email=email, name=name.strip()[:200], password_hash="!", active=True)
        db.session.add(user)
    if not user.active:
        raise _refuse(INACTIVE)
    user.oidc_issuer, user.oidc_subject = issuer, subject
    _apply_claims(user, claims)
    db.session.flush()
    return user


def is_break_glass(user: User) -> bool:
    return user.has_role(ADMIN) and user.email in current_app.config["EQIA_BREAK_GLASS_ADMINS"]


def confirm_identity(user: User, back: Return) -> IdentityConfirmation:
    """Keep a fresh authentication at the provider by the same person as the one who asked, for the
    transition and assessment version it was asked for. Flushed, not committed."""
    claims, purpose = back.claims, back.purpose
    if (user.oidc_issuer, user.oidc_subject) != (str(claims.get("iss", "")), claims["sub"]):
        raise _refuse(ANOTHER_SUBJECT)
    auth_time = claims.get("auth_time")
    if not isinstance(auth_time, (int, float)) or isinstance(auth_time, bool) or not purpose.get("started"):
        raise _refuse(STALE)
    now = utcnow()
    authenticated = datetime.fromtimestamp(auth_time, timezone.utc)
    started = datetime.fromtimestamp(purpose["started"], timezone.utc)
    window = timedelta(seconds=reauthentication_seconds())
    if authenticated < started - CLOCK_SKEW or authenticated > now + CLOCK_SKEW or now - authenticated > window:
        raise _refuse(STALE)
    subject, record_id = confirmed_record(purpose)
    confirmation = IdentityConfirmation(user_id=user.id, subject=subject, record_id=record_id,
                                        assessment_id=record_id if subject == ASSESSMENT else None,
                                        lock_version=int(purpose["lock_version"]), trigger=str(purpose["trigger"]),
                                        authenticated_at=authenticated)
    db.session.add(confirmation)
    db.session.flush()
    return confirmation


def confirmed_record(purpose: dict) -> tuple[str, int]:
    """The kind of record and the record a confirmation was asked for (one begun before other records could be
    confirmed names an assessment by its assessment_id)."""
    subject = str(purpose.get("subject") or ASSESSMENT)
    return subject, int(purpose["record_id"] if "record_id" in purpose else purpose["assessment_id"])


def _fresh(user_id: int, subject: str, record_id: int, lock_version: int, trigger: str):
    window = timedelta(seconds=reauthentication_seconds())
    return (select(IdentityConfirmation.id)
            .where(IdentityConfirmation.user_id == user_id, IdentityConfirmation.subject == subject,
                   IdentityConfirmation.record_id == record_id,
                   IdentityConfirmation.lock_version == lock_version, IdentityConfirmation.trigger == trigger,
                   IdentityConfirmation.used_at.is_(None),
                   IdentityConfirmation.authenticated_at >= utcnow() - window)
            .order_by(IdentityConfirmation.id.desc()).limit(1))


def has_fresh_confirmation(user: User, record, trigger: str, subject: str = ASSESSMENT) -> bool:
    """Whether the signing page can say the user has confirmed who they are (it reads, it does not use)."""
    return db.session.execute(_fresh(user.id, subject, record.id, record.lock_version, trigger)).first() is not None


def use_confirmation(user: User, record, trigger: str, subject: str = ASSESSMENT) -> bool:
    """Use the user's fresh confirmation for `trigger` on this version of `record` (of the kind `subject`), if
    there is one: once used it counts for nothing else. Part of the caller's unit of work."""
    found = db.session.execute(_fresh(user.id, subject, record.id, record.lock_version, trigger)).scalar()
    if found is None:
        return False
    used = db.session.execute(update(IdentityConfirmation)
                              .where(IdentityConfirmation.id == found, IdentityConfirmation.used_at.is_(None))
                              .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return used.rowcount == 1
