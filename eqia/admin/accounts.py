"""People's accounts as an admin keeps them in the browser: find them, change
their roles, directorate and the directorates an equality lead covers,
deactivate and reactivate them.

Segregation of duties holds for admins too: nobody changes their own roles (so
nobody grants themselves one), and the last active admin can neither be
deactivated nor lose the role, so the service always has someone to run it. The
workflow's own rules (who may not sign off what) are checked when a transition
is taken, from who took part in the version, never from roles: a role granted
here gives nobody a way round them.

Deactivation ends every session and API token at once
(eqia.services.credentials); what the person did stays attributed to them.
Functions here flush; the request commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import selectinload

from eqia.admin import trail
from eqia.admin.listing import Page, clamp
from eqia.extensions import db
from eqia.models import Directorate, LeadDirectorate, User, UserRole, UserSession
from eqia.roles import ADMIN, EQUALITY_LEAD, ROLES
from eqia.services import credentials
from eqia.services.errors import Forbidden, Invalid, NotFound, NotPossible
from eqia.unit_of_work import service_step
from eqia.workflow.hooks import Problem
from eqia.workflow.errors import N_


PAGE_SIZE = 25
SEARCH_MAX = 200

# The words of this module, in one place: English here, translated where they are shown.
OWN_ROLES = N_("You cannot change your own roles: another administrator must do it")
OWN_ACCOUNT = N_("You cannot deactivate your own account: another administrator must do it")
LAST_ADMIN_ROLE = N_("This is the last active administrator: make someone else an administrator first")
LAST_ADMIN_DEACTIVATE = N_("You cannot deactivate the last active administrator")
UNKNOWN_ROLE = N_("Select roles from the list")
UNKNOWN_DIRECTORATE = N_("Select a directorate from the list")
COVERAGE_NOT_LEAD = N_("Only an equality lead covers directorates: give them that role first")
ALREADY_INACTIVE = N_("This account is already deactivated")
ALREADY_ACTIVE = N_("This account is already active")
NO_SUCH_USER = N_("There is no such user")

ACTIVE_CHOICES = ("active", "inactive")


@dataclass(frozen=True)
class UserFilter:
    role: str = ""
    directorate_id: int | None = None
    active: str = ""  # "active", "inactive" or "" for both
    text: str = ""

    @classmethod
    def from_args(cls, args) -> "UserFilter":
        """From a query string, ignoring whatever is not a known choice."""
        role = args.get("role", "")
        directorate = args.get("directorate", "")
        active = args.get("active", "")
        return cls(role=role if role in ROLES else "",
                   directorate_id=int(directorate) if directorate.isascii() and directorate.isdigit()
                   and len(directorate) < 10 else None,
                   active=active if active in ACTIVE_CHOICES else "",
                   text=args.get("q", "").strip()[:SEARCH_MAX].replace("\x00", ""))

    def as_args(self) -> dict:
        return {k: v for k, v in (("role", self.role), ("directorate", self.directorate_id or ""),
                                  ("active", self.active), ("q", self.text)) if v}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def page_of_users(chosen: UserFilter, number: int) -> Page[User]:
    """The users the filter finds, by name: three queries a page (count, users, their roles)."""
    query = select(User)
    if chosen.role:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == chosen.role)))
    if chosen.directorate_id is not None:
        query = query.where(User.directorate_id == chosen.directorate_id)
    if chosen.active:
        query = query.where(User.active.is_(chosen.active == "active"))
    if chosen.text:
        pattern = f"%{_escape_like(chosen.text.lower())}%"
        query = query.where(or_(func.lower(User.name).like(pattern, escape="\\"),
                                func.lower(User.email).like(pattern, escape="\\")))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    number = clamp(number, total, PAGE_SIZE)
    users = list(db.session.execute(query.options(selectinload(User.directorate))
                                    .order_by(func.lower(User.name), User.id)
                                    .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)).scalars())
    return Page(users, number, total, PAGE_SIZE)


def get_user(user_id: int) -> User:
    found = db.session.get(User, user_id)
    if found is None:
        raise NotFound(NO_SUCH_USER)
    return found


def covered_directorates(user: User) -> list[Directorate]:
    """The directorates this equality lead covers; none means the whole council."""
    return list(db.session.execute(select(Directorate).join(LeadDirectorate,
                                                            LeadDirectorate.directorate_id == Directorate.id)
                                   .where(LeadDirectorate.user_id == user.id).order_by(Directorate.name)).scalars())


def _other_active_admins(user: User) -> int:
    return db.session.execute(select(func.count()).select_from(User).join(UserRole).where(
        UserRole.role == ADMIN, User.active.is_(True), User.id != user.id)).scalar_one()


@service_step
def change_roles(admin: User, user: User, roles: Iterable[str]) -> User:
    roles = set(roles)
    if admin.id == user.id:
        raise Forbidden(Problem(OWN_ROLES, field="roles"))
    if not roles <= set(ROLES):
        raise Invalid(Problem(UNKNOWN_ROLE, field="roles"))
    if ADMIN in user.roles and ADMIN not in roles and user.active and not _other_active_admins(user):
        raise NotPossible(Problem(LAST_ADMIN_ROLE, field="roles"))
    before = sorted(user.roles)
    if set(before) != roles:
        user.set_roles(roles)
        if EQUALITY_LEAD not in roles:  # coverage means nothing without the role, and must not linger for later
            db.session.execute(delete(LeadDirectorate).where(LeadDirectorate.user_id == user.id))
        db.session.flush()
        trail.record(admin, trail.ROLES_CHANGED, user=user.id, email=user.email, **{"from": before},
                     to=sorted(roles))
    return user


def _live_directorate(directorate_id: object, *, keep: set[int] = frozenset(),
                      field: str = "directorate_id") -> Directorate:
    found = db.session.get(Directorate, directorate_id) if isinstance(directorate_id, int) else None
    if found is None or (found.retired and found.id not in keep):
        raise Invalid(Problem(UNKNOWN_DIRECTORATE, field=field))
    return found


@service_step
def change_directorate(admin: User, user: User, directorate_id: int | None) -> User:
    """Where the person works (an author sees their directorate's assessments); None for none."""
    if directorate_id == user.directorate_id:
        return user
    found = _live_directorate(directorate_id) if directorate_id is not None else None
    trail.record(admin, trail.USER_DIRECTORATE_CHANGED, user=user.id, email=user.email,
                 **{"from": user.directorate.name if user.directorate else ""}, to=found.name if found else "")
    user.directorate = found
    db.session.flush()
    return user


@service_step
def change_coverage(admin: User, user: User, directorate_ids: Iterable[int]) -> list[Directorate]:
    """The directorates an equality lead covers, exactly these (none: the whole council)."""
    wanted = set(directorate_ids)
    before = covered_directorates(user)
    if wanted and EQUALITY_LEAD not in user.roles:
        raise Invalid(Problem(COVERAGE_NOT_LEAD, field="covers"))
    kept = {d.id for d in before}
    chosen = sorted((_live_directorate(i, keep=kept, field="covers") for i in wanted), key=lambda d: d.name)
    if wanted != kept:
        db.session.execute(delete(LeadDirectorate).where(LeadDirectorate.user_id == user.id))
        db.session.add_all(LeadDirectorate(user_id=user.id, directorate_id=d.id) for d in chosen)
        db.session.flush()
        trail.record(admin, trail.COVERAGE_CHANGED, user=user.id, email=user.email,
                     **{"from": [d.name for d in before]}, to=[d.name for d in chosen])
    return chosen


@service_step
def deactivate(admin: User, user: User) -> User:
    """The person can no longer sign in or use the API, from this moment: every
    session of theirs ends and every API token is revoked."""
    if admin.id == user.id:
        raise Forbidden(OWN_ACCOUNT)
    if not user.active:
        raise NotPossible(ALREADY_INACTIVE)
    if ADMIN in user.roles and not _other_active_admins(user):
        raise NotPossible(LAST_ADMIN_DEACTIVATE)
    sessions = db.session.execute(select(func.count()).select_from(UserSession)
                                  .where(UserSession.user_id == user.id)).scalar_one()
    tokens = credentials.deactivate(user)
    trail.record(admin, trail.DEACTIVATED, user=user.id, email=user.email, sessions=sessions, tokens=tokens)
    return user


@service_step
def reactivate(admin: User, user: User) -> User:
    """Able to sign in again; no session or token of before comes back."""
    if user.active:
        raise NotPossible(ALREADY_ACTIVE)
    user.active = True
    db.session.flush()
    trail.record(admin, trail.REACTIVATED, user=user.id, email=user.email)
    return user


@service_step
def update_user(admin: User, user: User, *, roles: Iterable[str] | None, directorate_id: int | None,
                covers: Iterable[int | None]) -> User:
    """The user's page saved at once: roles (None when the admin is looking at their
    own account, which shows no roles to change), directorate and coverage. All or
    nothing: any refusal leaves every part as it was."""
    if roles is not None:
        change_roles(admin, user, roles)
    change_directorate(admin, user, directorate_id)
    change_coverage(admin, user, covers)
    return user
