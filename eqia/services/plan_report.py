"""The committee progress report of an action plan ("Progress against the Equality
Peer Challenge action plan, quarter 2"): what is done, on track, late or dropped,
theme by theme, each row with its latest progress note. The same context is laid
out as a tagged PDF (eqia.pdf.layout, pdf_templates/plan_progress.html) and, from
that PDF's own HTML, as Word (eqia.word), so the two never say different things.

A row's status now, and whether it is late, are eqia.services.plans.progress's: the
report only counts them. Reading the report writes nothing; it is rendered when
asked for and never kept, as it changes with every update.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from eqia.extensions import db
from eqia.i18n import DEFAULT_LANGUAGE
from eqia.local_time import local_date
from eqia.models import ACTION_DROPPED, RESPONSES, ActionPlan, AuditEvent, PlanTheme, User, utcnow
from eqia.plans.subject import reference
from eqia.services import plans
from eqia.services.action_progress import today
from eqia.services.errors import NUL_REFUSED, Invalid
from eqia.services.plans import RowProgress
from eqia.workflow.definition import WorkflowDefinition
from eqia.workflow.errors import N_
from eqia.workflow.hooks import Problem

PERIOD_MAX = 100
PERIOD_TOO_LONG = N_("The period must be 100 characters or fewer")  # PERIOD_MAX
assert f"{PERIOD_MAX}" in PERIOD_TOO_LONG
DONE, NOT_STARTED = "done", "not_started"


@dataclass(frozen=True)
class Counts:
    """Every row is exactly one of done, on track, late or dropped; not started cuts across
    on track and late (a row not started may be either)."""

    done: int
    on_track: int
    late: int
    dropped: int
    not_started: int

    @property
    def total(self) -> int:
        return self.done + self.on_track + self.late + self.dropped


def counts_of(rows: Iterable[RowProgress]) -> Counts:
    rows = list(rows)
    return Counts(done=sum(r.status == DONE for r in rows),
                  on_track=sum(not r.closed and not r.overdue for r in rows),
                  late=sum(r.overdue for r in rows),
                  dropped=sum(r.status == ACTION_DROPPED for r in rows),
                  not_started=sum(r.status == NOT_STARTED for r in rows))


@dataclass(frozen=True)
class ThemeRows:
    theme: PlanTheme
    rows: list[RowProgress]


def checked_period(value: object) -> str:
    """The period the reader names the report for ("Quarter 2, 2026 to 2027"): free text, optional."""
    period = value.strip() if isinstance(value, str) else ""
    if len(period) > PERIOD_MAX:
        raise Invalid(Problem(PERIOD_TOO_LONG, field="period"))
    if "\x00" in period:
        raise Invalid(Problem(NUL_REFUSED, field="period"))
    return period


def _adopting(definition: WorkflowDefinition) -> frozenset[str]:
    """The triggers that adopt a plan: those that move it into a frozen state from one that is not
    (the definition says which; the report does not name them again)."""
    return frozenset(t.trigger for t in definition.transitions.values()
                     if t.dest and definition.is_frozen(t.dest)
                     and not any(definition.is_frozen(s) for s in t.sources))


def adopted_on(plan: ActionPlan) -> date | None:
    """The day (in London) the plan was adopted, as its trail recorded it; None if it never was."""
    triggers = _adopting(plans.definition_of(plan))
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.assessment_reference == reference(plan),
        AuditEvent.action.in_([f"programme:{t}" for t in triggers])).order_by(AuditEvent.seq.desc()))
    moment = next((e.occurred_at for e in events if (e.details or {}).get("change") == "plan_moved"
                   and (e.details or {}).get("trigger") in triggers), None)
    return local_date(moment) if moment is not None else None


def report_context(user: User, plan_id: int, period: object = "", *, on: date | None = None,
                   printed_at: datetime | None = None) -> dict:
    """Everything the report shows, for the PDF template (and so the Word copy), in the plan as
    `user` may see it (NotFound otherwise). `period` is checked first (Invalid if it cannot be shown)."""
    period = checked_period(period)
    plan = plans.get(user, plan_id)
    on = on or today()
    rows = plans.progress(plan, on)
    themes = [ThemeRows(t, [r for r in rows if r.row.theme_id == t.id]) for t in plan.themes]
    return dict(plan=plan, state=plans.definition_of(plan).states[plan.state], adopted_on=adopted_on(plan),
                period=period, on=on, counts=counts_of(rows), themes=themes, responses=RESPONSES,
                printed_at=printed_at or utcnow())


def filename_for(plan: ActionPlan, language: str, suffix: str) -> str:
    return f"action-plan-{plan.id}-progress{'' if language == DEFAULT_LANGUAGE else '-' + language}.{suffix}"


def pdf_for(context: dict) -> bytes:
    """The report as a tagged PDF, rendered now, in the language being written."""
    from eqia.pdf.layout import plan_progress_html
    from eqia.pdf.render import document_from_html

    return document_from_html(plan_progress_html(context))


def docx_for(context: dict) -> bytes:
    """The report as Word, made from the PDF's own HTML."""
    from eqia.pdf.layout import plan_progress_html, plan_progress_title
    from eqia.word import docx_from_html

    return docx_from_html(plan_progress_html(context), title=plan_progress_title(context),
                          subject=_("Progress report of an equality action plan"))
