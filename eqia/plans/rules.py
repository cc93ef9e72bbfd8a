"""What a plan's workflow names (workflows/plans/): the check that a plan is
complete enough to agree or adopt. Every row must say what the council will do:
a management response (with its reason where it is not agreed in full), by when
and by whom. A plan with no row has nothing to adopt."""

from __future__ import annotations

from flask_babel.speaklater import LazyString

from eqia.models import ActionPlan
from eqia.models.plans import RESPONSES, RESPONSES_WITH_REASON
from eqia.workflow.errors import N_, said
from eqia.workflow.hooks import Problem, requirement

NO_ROWS = N_("Add at least one recommendation to the plan")
ROW_UNANSWERED = N_("Row {row}: give the management response")
ROW_REASON = N_("Row {row}: say why the recommendation is not agreed in full")
ROW_NOT_WHEN = N_("Row {row}: say by when (a date or a condition)")
ROW_NOT_WHOM = N_("Row {row}: say by whom (a person or a team)")


def _about(template: str, row: str) -> LazyString:
    return LazyString(lambda: said(template).format(row=row))


@requirement("plan_rows")
def plan_rows_complete(plan: ActionPlan, extras) -> list[Problem]:
    if not plan.rows:
        return [Problem(NO_ROWS)]
    problems = []
    labels = plan.labels()  # as the page names them, in its order
    for row in plan.rows_in_page_order():
        label = labels[row.id]
        if row.response not in RESPONSES:
            problems.append(Problem(_about(ROW_UNANSWERED, label)))
        elif row.response in RESPONSES_WITH_REASON and not row.response_reason.strip():
            problems.append(Problem(_about(ROW_REASON, label)))
        if row.due_on is None and not row.due_condition.strip():
            problems.append(Problem(_about(ROW_NOT_WHEN, label)))
        if not row.owner.strip() and row.owner_user_id is None:
            problems.append(Problem(_about(ROW_NOT_WHOM, label)))
    return problems
