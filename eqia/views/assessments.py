"""An assessment: start one, see it, change its content, take workflow actions."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from eqia.extensions import db, limiter
from eqia.forms.programme import OwnActivityForm
from eqia.forms.register_details import RegisterDetailsEditForm, RegisterDetailsForm
from eqia.forms.transition import TransitionForm
from eqia.models import Assessment, Directorate
from eqia.assessments.rules import late_decision_warning_for
from eqia.assessments.shape import REGISTER_FIELDS, review_recorded
from eqia.loaded_definitions import definition_for, workflows, DEFAULT_WORKFLOW
from eqia.services import access, action_progress, activities
from eqia.services import assessments as service
from eqia.services import challenge, prerender, signing
from eqia.services import single_sign_on as sso
from eqia.services import tasks
from eqia.services.assessments import last_edit
from eqia.services.audit import trail
from eqia.services.errors import Conflict, Forbidden, Invalid, NotFound, NotPossible
from eqia.views.errors import put_on
from eqia.views.pages import endpoint_for, page_url
from eqia.workflow.hooks import Problem
from eqia.services.summary import sign_off_summary
from eqia.i18n import govuk_date
from eqia.services.workflow import (
    allowed_transitions,
    check_permission,
    done_message,
    guard_problems,
    missing_requirements,
    perform_transition,
)

bp = Blueprint("assessments", __name__, url_prefix="/assessments")
# A save on these pages renders the draft's PDF in the background, ready for "Download PDF" (the API's writes do not).
prerender.after_browser_saves(bp)


def _directorate_choices(form: RegisterDetailsForm, current: int | None = None) -> None:
    """The live directorates, and the one the assessment already names if it has retired since."""
    query = select(Directorate).where(Directorate.retired_at.is_(None) | (Directorate.id == current)) \
        .order_by(Directorate.name)
    if not current_user.roles & access.COUNCIL_WIDE_ROLES and current_user.directorate_id:
        query = query.where(Directorate.id == current_user.directorate_id)
    form.directorate_id.choices = [(d.id, d.name) for d in db.session.execute(query).scalars()]


def problem_href(p: Problem, assessment_id: int) -> str:
    if p.page and (endpoint_for(p.page) != request.endpoint or dict(p.args) != {
            k: v for k, v in request.view_args.items() if k != "assessment_id"}):
        return page_url(p.page, assessment_id, p.args) + (f"#{p.field}" if p.field else "")
    return f"#{p.field}" if p.field else ""


def _problem_list(error) -> list[dict]:
    """Service problems as GOV.UK error-summary items, linking to the field where known."""
    items = []
    for p in error.problems:
        item = {"text": p.message}
        href = problem_href(p, request.view_args.get("assessment_id"))
        if href:
            item["href"] = href
        items.append(item)
    return items


def attach_problems(form, error) -> list[dict]:
    """Put each problem the service found on this page's form field, where the
    GOV.UK error summary and the field's own error message will show it; return
    the rest (problems on other pages, or about the whole form) for the summary."""
    rest = []
    for p in error.problems:
        name = p.field.replace("-", "_")
        on_this_page = not p.page or problem_href(p, request.view_args.get("assessment_id")).startswith("#")
        if on_this_page and name in form._fields and name not in ("lock_version", "submit"):
            form[name].errors = [*form[name].errors, p.message]
        else:
            rest.append(p)
    error.problems = rest
    return _problem_list(error)


def read_only_or_edit(assessment, section: str, anchor: str | None = None):
    """Content is editable only in the states and by the roles the workflow
    definition allows. Anyone else asking for the form is shown the answers,
    read-only; a section the state does not need yet goes back to the task
    list. A POST goes on to the service, which refuses it with the reason while
    the page keeps what the user typed (the state may have changed under them)."""
    try:
        service.check_editable(current_user, assessment)
    except (NotPossible, Forbidden) as error:
        if request.method != "GET":
            g.edit_refused = error  # run_form shows it, before any field error, beside the kept text
            return None
        return redirect(url_for("assessments.check_answers", assessment_id=assessment.id) + f"#{anchor or section}")
    try:
        service.check_section_open(assessment, section)
    except NotPossible as error:
        if request.method != "GET":
            g.edit_refused = error
            return None
        flash(error.problems[0].message, "problem")
        return redirect(url_for("assessments.task_list", assessment_id=assessment.id))
    return None


def run_form(form, save, *, initial, done_url: str, done_text: str):
    """The one shape of every content page: validate, call the service once, then
    either redirect or return what the page needs to show the problems. On a
    stale save the user's answers stay in the form beside what is saved now."""
    extra: dict = {"problems": [], "status": 200}
    refused = g.pop("edit_refused", None)
    if refused is not None:
        return {"problems": _problem_list(refused), "status": refused.status}
    if form.validate_on_submit():
        try:
            save()
        except Conflict as error:
            extra = {**_after_conflict(form, error, initial), "status": 200}
        except (Invalid, Forbidden, NotPossible, NotFound) as error:
            extra["problems"] = attach_problems(form, error)
            # A form the user can put right is the page again (200); a save the
            # state or the user's role forbids keeps its refusal status.
            extra["status"] = 200 if isinstance(error, Invalid) else error.status
        else:
            flash(str(done_text), "success")  # a lazy text would not go into the session
            return redirect(done_url)
    return extra


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    definition = workflows().current(DEFAULT_WORKFLOW)
    if not current_user.roles & definition.create_roles:
        raise Forbidden(service.CANNOT_CREATE)
    form = RegisterDetailsForm()
    _directorate_choices(form)
    form.set_programmes(_programmes())
    if request.method == "GET" and current_user.directorate_id:
        form.directorate_id.data = current_user.directorate_id
    problems = []
    if form.validate_on_submit():
        try:
            assessment = service.create_assessment(current_user, form.details())
        except (Invalid, Forbidden) as error:
            problems = attach_problems(form, error)
        else:
            flash(_("Assessment %(reference)s started", reference=assessment.display_reference), "success")
            return redirect(url_for("assessments.task_list", assessment_id=assessment.id))
    return render_template("assessments/details.html", form=form, assessment=None, problems=problems)


@bp.route("/<int:assessment_id>")
@login_required
def overview(assessment_id: int):
    return _overview(assessment_id)


def _overview(assessment_id: int, activity_form: OwnActivityForm | None = None, problems=(), status: int = 200):
    assessment = service.get_visible(assessment_id, current_user)
    definition = definition_for(assessment)
    activity = activities.activity_of(assessment.reference)
    may_edit = access.can_edit(current_user, assessment, definition)
    # Not yet linked, its author may say which activity it assesses; a link made stays with the keepers.
    if activity is None and may_edit:
        to_choose = activities.activities_to_choose(assessment)
        if to_choose or activity_form is not None:
            activity_form = (activity_form or OwnActivityForm(formdata=None)).offer(to_choose)
    else:
        activity_form = None
    history = trail(assessment)[::-1]
    versions = []
    cursor = assessment.previous_version
    while cursor is not None:
        if access.can_view(current_user, cursor):
            versions.append(cursor)
        cursor = cursor.previous_version
    following = assessment.next_version
    progress = [t for group in tasks.task_list(assessment, current_user) for t in group.tasks]
    return render_template(
        "assessments/overview.html", assessment=assessment, definition=definition,
        may_review=challenge.may_review(current_user, assessment),
        to_answer=challenge.unanswered(assessment) if may_edit else [],
        signature_check=signing.verify(assessment) if assessment.sign_offs else None,
        state=definition.states[assessment.state], actions=allowed_transitions(current_user, assessment),
        can_edit=may_edit, history=history,
        earlier_versions=versions,
        next_version=following if following is not None and access.can_view(current_user, following) else None,
        done=sum(t.status == tasks.COMPLETED for t in progress),
        action_progress=action_progress.progress(assessment) if action_progress.tracks_progress(assessment) else [],
        may_update_actions=action_progress.updatable(current_user, assessment),
        total=sum(t.status != tasks.CANNOT_START for t in progress),
        # A review version's look back at the version it follows, once it has said anything.
        reviewed=assessment.previous_version if review_recorded(assessment) else None,
        # The activity of the council's register it assesses (issue 18), a link for those who keep the register.
        activity=activity,
        keeps_register=activities.keeping_role(current_user) is not None,
        activity_form=activity_form,
        problems=list(problems),
    ), status


@bp.route("/<int:assessment_id>/activity", methods=["POST"])
@login_required
def link_activity(assessment_id: int):
    form = OwnActivityForm()
    if not form.validate_on_submit():
        return _overview(assessment_id, form, status=422)
    try:
        made = activities.link_own(current_user, assessment_id, form.activity_id.data)
    except (Invalid, NotPossible, Forbidden) as error:
        return _overview(assessment_id, form, put_on(form, error), error.status)
    flash(_("This assessment is linked to the activity \u201c%(name)s\u201d.", name=made.name), "success")
    return redirect(url_for("assessments.overview", assessment_id=assessment_id, _anchor="activity"))


def _shown(field, value) -> str:
    choices = dict(getattr(field, "choices", None) or [])
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(choices.get(v, v)) for v in value) or _("(blank)")
    if value in (None, ""):
        return _("(blank)")
    if isinstance(value, date):
        return govuk_date(value)  # in the page's language
    return str(choices.get(value, value))


def _after_conflict(form, error: Conflict, initial=None) -> dict:
    """Keep the user's text in the form, but give it the saved lock version, so
    that saving again is a deliberate choice made after seeing the change.
    `initial(assessment)` gives the form's data as saved now: the fields where it
    differs from the user's answers are listed beside the form."""
    if error.current_lock_version is not None:
        form.lock_version.data = error.current_lock_version
        form.lock_version.raw_data = [str(error.current_lock_version)]  # what the hidden input renders
    editor = last_edit(error.current) if error.current is not None else None
    differences = []
    if initial is not None and error.current is not None:
        db.session.expire_all()
        current = db.session.get(type(error.current), error.current.id)
        saved = initial(current) if current is not None else {}
        for name, value in saved.items():
            if name in form._fields and name not in ("lock_version", "completed"):
                field = form[name]
                mine = field.data
                if isinstance(value, (list, tuple, set)) or isinstance(mine, (list, tuple, set)):
                    same = sorted(map(str, value or [])) == sorted(map(str, mine or []))
                else:
                    same = (value or None) == (mine or None)
                if not same:
                    differences.append({"key": {"text": str(field.label.text)},
                                        "value": {"text": _shown(field, value)}})
    return {"conflict": True, "conflict_editor": editor, "conflict_differences": differences,
            "problems": _problem_list(error)}


def _programmes() -> list[str]:
    """Programme names already in use on assessments this user can see."""
    names = db.session.execute(
        select(Assessment.parent_programme).where(Assessment.parent_programme != "").distinct()
        .where(Assessment.id.in_(access.visible_assessments(current_user).with_only_columns(Assessment.id)))
    ).scalars()
    return sorted(set(names), key=str.casefold)


def details_initial(assessment) -> dict:
    data = {field: getattr(assessment, field) for field in REGISTER_FIELDS}
    data["lock_version"] = assessment.lock_version
    data["completed"] = "yes" if assessment.is_completed("register_details") else None
    return data


@bp.route("/<int:assessment_id>/details", methods=["GET", "POST"])
@login_required
def edit_details(assessment_id: int):
    assessment = service.get_visible(assessment_id, current_user)
    if (shown := read_only_or_edit(assessment, "register_details")) is not None:
        return shown
    form = RegisterDetailsEditForm(data=details_initial(assessment) if request.method == "GET" else None)
    _directorate_choices(form, assessment.directorate_id)
    form.set_programmes(_programmes())
    result = run_form(
        form, lambda: service.update_register_details(assessment.id, current_user, form.details(),
                                                      form.lock_version.data or 0, form.wants_complete()),
        initial=details_initial, done_url=url_for("assessments.task_list", assessment_id=assessment.id),
        done_text=_("Register details saved"))
    if not isinstance(result, dict):
        return result
    return render_template("assessments/details.html", form=form, assessment=assessment,
                           late_decision=late_decision_warning_for(assessment), **result), result["status"]


def _asks_for_password() -> bool:
    assessment = db.session.get(Assessment, request.view_args["assessment_id"])
    transition = definition_for(assessment).transitions.get(request.view_args["trigger"]) if assessment else None
    return transition is not None and transition.reauthenticate


def _password_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


@bp.route("/<int:assessment_id>/actions/<trigger>", methods=["GET", "POST"])
@login_required
# A signature asks for the password again: guessing it there is throttled like sign-in, per user.
@limiter.limit(_password_limit, methods=["POST"], key_func=lambda: f"reauthenticate:{current_user.get_id()}",
               exempt_when=lambda: not _asks_for_password())
def take_action(assessment_id: int, trigger: str):
    assessment = service.get_visible(assessment_id, current_user)
    definition = definition_for(assessment)
    transition = definition.transitions.get(trigger)
    if transition is None or transition.system:
        abort(404)
    form = TransitionForm()
    if request.method == "GET":
        form.lock_version.data = assessment.lock_version
    # Someone who signed in through single sign-on confirms it's them there, not with a password.
    via_provider = transition.reauthenticate and sso.signed_in_with_provider()
    problems = []
    status = 200
    if form.validate_on_submit():
        state_before = assessment.state
        try:
            done = perform_transition(assessment.id, trigger, current_user, comment=form.comment.data or "",
                                      expected_lock_version=form.lock_version.data,
                                      attested=bool(form.attest.data),
                                      password=None if via_provider else form.password.data)
        except (Conflict, Invalid, NotPossible, Forbidden) as error:
            if via_provider:
                from eqia.views.single_sign_on_words import words

                error.problems = [Problem(words("confirm_first"), field="confirm-identity")
                                  if p.field == "password" else p for p in error.problems]
            problems = attach_problems(form, error)
            status = error.status
            db.session.expire_all()
            assessment = service.get_visible(assessment_id, current_user)
            form.lock_version.data = assessment.lock_version
            form.lock_version.raw_data = [str(assessment.lock_version)]
        else:
            flash(done_message(definition, transition, state_before, done.state), "success")
            return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    elif request.method == "GET":
        # Say why now rather than offer a form that will be refused.
        check_permission(current_user, assessment, transition, definition)
    return render_template("assessments/action.html", assessment=assessment, transition=transition, form=form,
                           attestation=signing.attestation(assessment, transition),
                           problems=problems, required_problems=missing_requirements(assessment, transition),
                           guard_problems=guard_problems(current_user, assessment, transition),
                           summary=sign_off_summary(assessment) if definition.sign_off_transitions(assessment.state)
                           else None,
                           state=definition.states[assessment.state],
                           confirm_step=_confirm_step(assessment, trigger) if via_provider else None), status


def _confirm_step(assessment: Assessment, trigger: str) -> dict:
    """The sign-off's "Confirm it's you" step, for someone who signed in through single sign-on."""
    from eqia.views.single_sign_on import confirm_step

    return confirm_step(current_user, sso.ASSESSMENT, assessment, trigger)
