"""Actions across assessments: "My actions", and the equality lead's overdue actions (page and CSV)."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Directorate
from eqia.services import action_lists, plans
from eqia.services.errors import Forbidden
from eqia.views.public_register import csv_cell

bp = Blueprint("actions", __name__)

# The spreadsheet is read by people: its headings are in the reader's language.
CSV_HEADINGS = (_l("Assessment"), _l("Reference"), _l("Directorate"), _l("Action number"), _l("Action"), _l("Owner"),
                _l("Due date"), _l("Days overdue"), _l("Status"))


def _page_number() -> int:
    return request.args.get("page", 1, type=int)


def _directorate_filter() -> tuple[list[Directorate], Directorate | None]:
    directorates = list(db.session.execute(select(Directorate).order_by(Directorate.name)).scalars())
    # Compared as text with the ids that exist: an unknown or hostile value filters nothing.
    wanted = request.args.get("directorate", "")
    return directorates, next((d for d in directorates if str(d.id) == wanted), None)


@bp.route("/my-actions")
@login_required
def my_actions():
    found = action_lists.my_actions(current_user, _page_number())
    return render_template("actions/my_actions.html", found=found, plan_rows=plans.rows_owned(current_user))


@bp.route("/actions/overdue")
@login_required
def overdue():
    if not action_lists.may_see_overdue(current_user):
        raise Forbidden(action_lists.NOT_A_LEAD)
    directorates, chosen = _directorate_filter()
    found = action_lists.overdue_actions(current_user, chosen.id if chosen else None, _page_number())
    return render_template("actions/overdue.html", found=found, directorates=directorates, chosen=chosen)


@bp.route("/actions/overdue.csv")
@login_required
def overdue_csv():
    if not action_lists.may_see_overdue(current_user):
        raise Forbidden(action_lists.NOT_A_LEAD)
    _, chosen = _directorate_filter()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(heading) for heading in CSV_HEADINGS])
    for row in action_lists.all_overdue_actions(current_user, chosen.id if chosen else None):
        writer.writerow([csv_cell(value) for value in (
            row.assessment.title, row.assessment.display_reference, row.directorate, row.number,
            row.action.description, row.owner_name, row.action.due_date.isoformat(), row.days_overdue,
            row.status_label)])
    # Excel reads a CSV as UTF-8 only when it starts with a byte-order mark.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="overdue-actions.csv"'})


@bp.app_context_processor
def navigation() -> dict:
    """Whether the service navigation offers the overdue actions (every page's layout asks)."""
    # Outside a request (the PDF worker renders templates too) there is no user.
    user = current_user
    return {"sees_overdue_actions": bool(user and user.is_authenticated and action_lists.may_see_overdue(user))}
