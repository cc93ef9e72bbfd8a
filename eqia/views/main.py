"""Home, the per-role "my work" queues, and the list of all assessments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import selectinload

from eqia.extensions import db
from eqia.models import Assessment, AuditEvent, Directorate, UTCDateTime, utcnow
from eqia.notifications import outbox
from eqia.loaded_definitions import workflows
from eqia.roles import ADMIN, EQUALITY_LEAD, ROLES
from eqia.services import access, coverage, cumulative_judgements, plans
from eqia.services.search import TEXT_MAX, assessments_matching
from eqia.services.workflow import Participants, participants_for, sod_problem
from eqia.workflow.definition import Transition

bp = Blueprint("main", __name__)

PAGE_SIZE = 50


@bp.route("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("main.my_work"))
    return redirect(url_for("auth.sign_in"))


@dataclass
class QueueRow:
    assessment: Assessment
    actions: list[Transition]
    edits: bool
    since: datetime  # when it reached the state it waits in


def entered_state_at(assessments: list[Assessment]) -> dict[int, datetime]:
    """When each assessment moved into its current state, in one query (from the
    audit trail: a save of content or a challenge point does not restart the wait)."""
    ids = [a.id for a in assessments]
    if not ids:
        return {}
    rows = db.session.execute(
        select(AuditEvent.assessment_id, type_coerce(func.max(AuditEvent.occurred_at), UTCDateTime()))
        .join(Assessment, Assessment.id == AuditEvent.assessment_id)
        .where(AuditEvent.assessment_id.in_(ids), AuditEvent.to_state == Assessment.state,
               AuditEvent.from_state != AuditEvent.to_state)
        .group_by(AuditEvent.assessment_id)
    ).all()
    found = dict(rows)
    return {a.id: found.get(a.id) or a.created_at for a in assessments}


def _queue_rows(role: str, assessments: list[Assessment], who: dict[int, Participants],
                since: dict[int, datetime]) -> list[QueueRow]:
    """Rows where `role` has something to do, from the definition alone: no
    state machine is bound per row. Oldest first: the longest wait is at the top."""
    rows = []
    for a in assessments:
        definition = workflows().get(a.workflow_name, a.workflow_version)
        if not definition.waiting_in(a.state):
            continue
        actions = [t for t in definition.transitions_from(a.state)
                   if role in t.roles and definition.moves_on(t)
                   and sod_problem(current_user, t, definition, who[a.id]) is None]
        edits = role in definition.editable_by(a.state)
        if actions or edits:
            rows.append(QueueRow(a, actions, edits, since[a.id]))
    return sorted(rows, key=lambda r: r.since)


@bp.route("/my-work")
@login_required
def my_work():
    states = {s for d in workflows() for r in current_user.roles
              for s in d.states_where_role_acts(r) + d.states_where_role_edits(r)}
    candidates = list(db.session.execute(
        access.visible_assessments(current_user).where(Assessment.state.in_(states))
        .options(selectinload(Assessment.directorate))
        .order_by(Assessment.updated_at)  # oldest first: the longest wait is at the top
    ).scalars()) if states else []
    who = participants_for(candidates)
    since = entered_state_at(candidates)
    # An equality lead is queued the assessments that are for them: those of the directorates they cover, or
    # all when they cover none, and those nobody covers (eqia.services.coverage, as the notifications say).
    leads = coverage.active_leads_coverage() if EQUALITY_LEAD in current_user.roles else None
    queues = [(role, _queue_rows(role, [a for a in candidates if role != EQUALITY_LEAD
                                        or current_user.id in leads.leads_for(a.directorate_id)], who, since))
              for role in ROLES if role in current_user.roles]
    can_create = any(current_user.roles & d.create_roles for d in workflows())
    failed_notifications = outbox.failed_count() if ADMIN in current_user.roles else 0
    return render_template("my_work.html", queues=queues, can_create=can_create, now=utcnow(),
                           failed_notifications=failed_notifications, plans_waiting=plans.waiting_for(current_user),
                           judgements_waiting=cumulative_judgements.waiting_for(current_user))


@bp.route("/assessments")
@login_required
def all_assessments():
    text = request.args.get("q", "").strip()[:TEXT_MAX]
    state = request.args.get("state", "")
    directorate = request.args.get("directorate", "")
    all_states = workflows().states()
    directorates = db.session.execute(select(Directorate).order_by(Directorate.name)).scalars().all()
    # Compared as text with the ids that exist: "²".isdigit() is true and int() of it fails.
    chosen = next((d for d in directorates if str(d.id) == directorate), None)
    query = assessments_matching(current_user, text, state if state in all_states else "",
                                 chosen.id if chosen is not None else None)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = max(1, min(request.args.get("page", 1, type=int), 1 + max(total - 1, 0) // PAGE_SIZE))
    rows = db.session.execute(
        query.options(selectinload(Assessment.directorate))
        .order_by(Assessment.updated_at.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).scalars().all()
    return render_template("assessments/list.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
                           text=text, state=state, directorate=directorate, states=all_states,
                           directorates=directorates)
