"""How each person wants to hear of each kind: their own choice, else the
kind's default (eqia.notifications.kinds). Flushes; the request commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select

from eqia.extensions import db
from eqia.models import NotificationPreference, User
from eqia.notifications.kinds import CHANNELS, KINDS
from eqia.services.errors import Invalid
from eqia.workflow.hooks import Problem

CHANNEL_MISSING = "Select how you want to hear of \u201c{label}\u201d notifications"
CHANNEL_UNKNOWN = ("Select how you want to hear of \u201c{label}\u201d notifications: by e-mail straight away, "
                   "in a daily digest, or only here")


def chosen_by(user: User) -> dict[str, str]:
    """Every kind and the channel this person hears of it by, in the order of KINDS."""
    rows = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.channel)
                                   .where(NotificationPreference.user_id == user.id)).all())
    return {code: rows.get(code) if rows.get(code) in CHANNELS else kind.default_channel
            for code, kind in KINDS.items()}


def channels_for(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """The channel each of these people hears of `kind` by, in one query."""
    ids = list(user_ids)
    chosen = dict(db.session.execute(
        select(NotificationPreference.user_id, NotificationPreference.channel)
        .where(NotificationPreference.kind == kind, NotificationPreference.user_id.in_(ids))).all()) if ids else {}
    default = KINDS[kind].default_channel
    return {i: chosen.get(i) if chosen.get(i) in CHANNELS else default for i in ids}


def choose(user: User, choices: Mapping[str, str | None]) -> None:
    """Record the person's choice for every kind (a form gives one for each).
    Refuses, having changed nothing, when a kind has no choice or an unknown one;
    each problem names the kind's field, `channel_<kind>`."""
    problems = []
    for code, kind in KINDS.items():
        value = choices.get(code)
        if not value:
            problems.append(Problem(CHANNEL_MISSING.format(label=kind.label), field=f"channel_{code}"))
        elif value not in CHANNELS:
            problems.append(Problem(CHANNEL_UNKNOWN.format(label=kind.label), field=f"channel_{code}"))
    if problems:
        raise Invalid(*problems)
    rows = {r.kind: r for r in db.session.execute(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)).scalars()}
    for code in KINDS:
        if code in rows:
            rows[code].channel = choices[code]
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=code, channel=choices[code]))
    db.session.flush()
