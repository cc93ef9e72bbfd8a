"""The council's equality programme (equality leads and administrators): the
activity register, its import from CSV, and coverage by directorate with the
list behind every figure, each table downloadable as CSV. Each view parses a
form, calls one service (eqia.services.activities, activity_import), and
redirects; a refusal is shown on the page it came from."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user, login_required

from eqia.admin.directorates import live_directorates
from eqia.forms.completion import ConfirmForm
from eqia.forms.cumulative import StartJudgementForm
from eqia.forms.programme import ActivityForm, ImportForm, LinkForm
from eqia.loaded_definitions import characteristics, workflows
from eqia.models import RELEVANCES, Activity
from eqia.services import (activities, activity_import, cumulative, cumulative_judgements as judgements, figures,
                           follow_up as chase, heat_map as heat, pipeline as flow)
from eqia.services.errors import ServiceError
from eqia.views.errors import put_on
from eqia.views.public_register import csv_cell
from eqia.workflow.errors import N_

bp = Blueprint("programme", __name__, url_prefix="/programme")

ACTIVITY_ADDED = N_("Activity \u201c%(name)s\u201d added to the register.")
ACTIVITY_SAVED = N_("The changes to \u201c%(name)s\u201d have been saved.")
ACTIVITY_RETIRED = N_("Activity \u201c%(name)s\u201d retired. It is no longer counted in the coverage.")
LINKED = N_("%(reference)s linked to this activity.")
UNLINKED = N_("%(reference)s unlinked from this activity.")

# The spreadsheets are read by people: their headings are in the reader's language.
ACTIVITY_HEADINGS = (_l("Activity"), _l("Directorate"), _l("Kind"), _l("Owner"), _l("Relevance"),
                     _l("Needs an assessment"), _l("Assess by"), _l("Coverage"), _l("Late"), _l("Assessments linked"))
COVERAGE_HEADINGS = (_l("Directorate"), _l("Relevant activities"), _l("Current signed assessment"),
                     _l("Out of date"), _l("Assessment under way"), _l("Never assessed"))


@bp.before_request
@login_required
def keepers_only():
    activities.require_keeper(current_user)


def _user():
    return current_user._get_current_object()


@bp.context_processor
def figures_as_at() -> dict:
    """When the figures were worked out, read only by the pages that show it (a function, not a query)."""
    return {"figures_worked_out": figures.worked_out_at}


def csv_response(rows, name: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    # Excel reads a CSV as UTF-8 only when it starts with a byte-order mark.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("")
def index():
    return render_template("programme/index.html", found=activities.coverage(_user()), labels=activities.COVERAGE)


# ------------------------------------------------------------ coverage
@bp.route("/coverage")
def coverage():
    return render_template("programme/coverage.html", found=activities.coverage(_user()),
                           labels=activities.COVERAGE)


@bp.route("/coverage.csv")
def coverage_csv():
    found = activities.coverage(_user())
    rows = [[str(h) for h in COVERAGE_HEADINGS]]
    for row in [*found.rows, found.total]:
        rows.append([row.directorate.name if row.directorate else _("All directorates"), row.relevant,
                     *(row.counts[code] for code in activities.COVERAGE)])
    return csv_response(rows, "coverage.csv")


# ------------------------------------------------------------ the pipeline
def _chosen_directorate() -> int | None:
    """The directorate filter, by id as text: an unknown or hostile value filters nothing."""
    return activities.directorate_from(request.args)


@bp.route("/pipeline")
def pipeline():
    chosen = _chosen_directorate()
    return render_template("programme/pipeline.html", found=flow.pipeline(_user(), chosen), chosen=chosen,
                           directorates=live_directorates(), states=workflows().states())


@bp.route("/pipeline.csv")
def pipeline_csv():
    directorates, states = flow.states_by_directorate(_user(), _chosen_directorate())
    labels = workflows().states()
    rows = [[str(h) for h in (_l("State"), _l("All directorates"))] + [d.name for d in directorates]]
    for row in states:
        rows.append([str(labels[row.state].label), row.total,
                     *(row.by_directorate.get(d.id, 0) for d in directorates)])
    return csv_response(rows, "pipeline.csv")


# ------------------------------------------------------------ cumulative impact
@bp.route("/cumulative")
def cumulative_impact():
    chosen = heat.filters_from(request.args).programme
    versions = judgements.versions_for(_user(), chosen) if chosen else []
    start = StartJudgementForm(formdata=None, data={"programme": chosen}) \
        if chosen and not versions and judgements.may_write(_user()) else None
    return render_template("programme/cumulative.html", chosen=chosen,
                           found=cumulative.side_by_side(_user(), chosen) if chosen else None,
                           programmes=cumulative.programmes(_user()) if not chosen else [],
                           judgement_versions=versions, start=start,
                           judgement_state=lambda j: judgements.definition_of(j).states[j.state])


# ------------------------------------------------------------ what to chase
@bp.route("/follow-up")
def follow_up():
    return render_template("programme/follow_up.html", found=chase.follow_up(_user()),
                           window=chase.DECISION_WINDOW_DAYS)


# ------------------------------------------------------------ the heat map
@bp.route("/heat-map")
def heat_map():
    filters = heat.filters_from(request.args)
    return render_template("programme/heat_map.html", found=heat.heat_map(_user(), filters), filters=filters,
                           directorates=live_directorates())


@bp.route("/heat-map.csv")
def heat_map_csv():
    found = heat.heat_map(_user(), heat.filters_from(request.args))
    rows = [[_("Group")] + [str(label) for _key, label in found.impacts]]
    for group in found.groups:
        rows.append([str(group.name)] + [found.count(group.key, key) for key, _label in found.impacts])
    return csv_response(rows, "heat-map.csv")


@bp.route("/heat-map/assessments")
def heat_map_cell():
    filters = heat.filters_from(request.args)
    group, impact = heat.group_named(request.args.get("group", "")), heat.impact_named(request.args.get("impact", ""))
    if group is None or impact is None:
        return redirect(url_for("programme.heat_map", **filters.args()))
    page = heat.assessments_in_cell(_user(), filters, group.key, impact[0], request.args.get("page", 1, type=int))
    return render_template("programme/heat_map_cell.html", page=page, group=group, impact=impact, filters=filters)


# ------------------------------------------------------------ the register
@bp.route("/activities")
def activities_list():
    filters = activities.filters_from(request.args)
    return render_template("programme/activities.html", filters=filters,
                           page=activities.page_of_activities(_user(), filters, request.args.get("page", 1, type=int)),
                           directorates=live_directorates(), labels=activities.COVERAGE,
                           tags=activities.COVERAGE_TAGS, kinds=characteristics().activity_kinds,
                           relevances=RELEVANCES)


@bp.route("/activities.csv")
def activities_csv():
    filters = activities.filters_from(request.args)
    kinds = characteristics().activity_kinds

    def rows():
        yield [str(h) for h in ACTIVITY_HEADINGS]
        for row in activities.every_activity(_user(), filters):
            a = row.activity
            yield [a.name, row.directorate, str(kinds.get(a.kind, a.kind)), a.owner, str(RELEVANCES[a.relevance]),
                   _("Yes") if a.needs_assessment else _("No"), a.assess_by.isoformat() if a.assess_by else "",
                   str(activities.COVERAGE[row.coverage]) if row.coverage else "", _("Yes") if row.late else "",
                   row.assessments]
    return csv_response(rows(), "activities.csv")


def _form_page(form: ActivityForm, activity: Activity | None = None, problems=(), status: int = 200):
    form.offer(characteristics().activity_kinds, live_directorates(),
               activity.directorate if activity is not None else None)
    return render_template("programme/activity_form.html", form=form, activity=activity,
                           problems=list(problems)), status


def _saved(form: ActivityForm, call, activity: Activity | None, said: str):
    if not form.validate_on_submit():
        return _form_page(form, activity, status=422)
    try:
        done = call(form.values())
    except ServiceError as error:
        return _form_page(form, activity, put_on(form, error), error.status)
    flash(_(said, name=done.name), "success")
    return redirect(url_for("programme.activity", activity_id=done.id))


@bp.route("/activities/new", methods=["GET"])
def new_activity():
    return _form_page(ActivityForm(formdata=None, data={"directorate_id": current_user.directorate_id}))


@bp.route("/activities/new", methods=["POST"])
def add_activity():
    return _saved(ActivityForm(), lambda values: activities.add(_user(), values), None, ACTIVITY_ADDED)


def _activity_page(activity_id: int, link_form=None, problems=(), status: int = 200):
    shown = activities.view(_user(), activity_id)
    return render_template("programme/activity.html", shown=shown, a=shown.activity,
                           link_form=link_form or LinkForm(formdata=None), confirm=ConfirmForm(),
                           labels=activities.COVERAGE, tags=activities.COVERAGE_TAGS,
                           kinds=characteristics().activity_kinds, relevances=RELEVANCES,
                           problems=list(problems)), status


@bp.route("/activities/<int:activity_id>")
def activity(activity_id: int):
    return _activity_page(activity_id)


@bp.route("/activities/<int:activity_id>/edit", methods=["GET"])
def edit_activity(activity_id: int):
    found = activities.get(_user(), activity_id)
    data = {key: getattr(found, key) for key in ("name", "kind", "directorate_id", "owner", "relevance",
                                                  "assess_by", "notes")}
    data["needs_assessment"] = "yes" if found.needs_assessment else "no"
    return _form_page(ActivityForm(formdata=None, data=data), found)


@bp.route("/activities/<int:activity_id>/edit", methods=["POST"])
def save_activity(activity_id: int):
    found = activities.get(_user(), activity_id)
    return _saved(ActivityForm(), lambda values: activities.change(_user(), found, values), found, ACTIVITY_SAVED)


@bp.route("/activities/<int:activity_id>/retire", methods=["POST"])
def retire_activity(activity_id: int):
    found = activities.get(_user(), activity_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("programme.activity", activity_id=activity_id))
    try:
        activities.retire(_user(), found)
    except ServiceError as error:
        return _activity_page(activity_id, problems=[{"text": _(p.message)} for p in error.problems],
                              status=error.status)
    flash(_(ACTIVITY_RETIRED, name=found.name), "success")
    return redirect(url_for("programme.activity", activity_id=activity_id))


@bp.route("/activities/<int:activity_id>/links", methods=["POST"])
def link_assessment(activity_id: int):
    found = activities.get(_user(), activity_id)
    form = LinkForm()
    if not form.validate_on_submit():
        return _activity_page(activity_id, form, status=422)
    try:
        made = activities.link(_user(), found, form.reference.data)
    except ServiceError as error:
        return _activity_page(activity_id, form, put_on(form, error), error.status)
    flash(_(LINKED, reference=made.reference), "success")
    return redirect(url_for("programme.activity", activity_id=activity_id))


@bp.route("/activities/<int:activity_id>/links/<reference>/remove", methods=["POST"])
def unlink_assessment(activity_id: int, reference: str):
    found = activities.get(_user(), activity_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("programme.activity", activity_id=activity_id))
    try:
        activities.unlink(_user(), found, reference)
    except ServiceError as error:
        return _activity_page(activity_id, problems=[{"text": _(p.message)} for p in error.problems],
                              status=error.status)
    flash(_(UNLINKED, reference=reference), "success")
    return redirect(url_for("programme.activity", activity_id=activity_id))


# ------------------------------------------------------------ import
def _import_page(form: ImportForm, problems=(), status: int = 200):
    return render_template("programme/import.html", form=form, problems=list(problems),
                           columns=activity_import.REQUIRED + activity_import.OPTIONAL,
                           kinds=characteristics().activity_kinds, relevances=RELEVANCES), status


@bp.route("/activities/import", methods=["GET"])
def import_form():
    return _import_page(ImportForm(formdata=None))


@bp.route("/activities/import", methods=["POST"])
def import_activities():
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, status=422)
    upload = form.file.data
    data = upload.read(activity_import.MAX_BYTES + 1) if upload is not None and hasattr(upload, "read") else b""
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_(activity_import.FILE_MISSING)]
        return _import_page(form, status=422)
    try:
        count = activity_import.import_csv(_user(), data)
    except ServiceError as error:
        return _import_page(form, [{"text": _(p.message), "href": "#file"} for p in error.problems], error.status)
    flash(ngettext("%(num)d activity imported.", "%(num)d activities imported.", count), "success")
    return redirect(url_for("programme.activities_list"))
