"""Single sign-on pages: off to the provider, back from it, and the refusals.

The rules are in eqia/services/single_sign_on.py; this module parses and calls;
the words are eqia/views/single_sign_on_words.py's.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from eqia.auth import begin_session
from eqia.extensions import db
from eqia.loaded_definitions import definition_for
from eqia.models import Assessment
from eqia.cumulative.subject import CUMULATIVE_SUBJECT
from eqia.plans.subject import PLAN_SUBJECT
from eqia.services import access, plans
from eqia.services import cumulative_judgements as judgements
from eqia.services import single_sign_on as sso
from eqia.unit_of_work import returns_from_provider
from eqia.views.auth import safe_next
from eqia.views.single_sign_on_words import words

bp = Blueprint("sso", __name__)

# Who refused is never in doubt: these are about the account, the rest about the attempt.
FORBIDDEN = {sso.UNKNOWN_USER, sso.INACTIVE, sso.ANOTHER_SUBJECT}


# The signed records besides assessments whose signing a confirmation at the provider may stand for: their
# service (get, definition_of) and the page of the transition, by the key of their workflow subject.
RECORDS = {CUMULATIVE_SUBJECT: (judgements, "judgements.take_action", "judgement_id"),
           PLAN_SUBJECT: (plans, "plans.take_action", "plan_id")}


def _signing_page(purpose: dict) -> str:
    """Back to the page of the transition the confirmation was asked for."""
    subject, record_id = sso.confirmed_record(purpose)
    if subject in RECORDS:
        _, endpoint, argument = RECORDS[subject]
        return url_for(endpoint, **{argument: record_id}, trigger=purpose["trigger"])
    return url_for("assessments.take_action", assessment_id=record_id, trigger=purpose["trigger"])


def _refused(code: str, purpose: dict | None = None):
    confirming = bool(purpose) and purpose.get("purpose") == sso.CONFIRM
    back = (_signing_page(purpose)
            if confirming else url_for("auth.sign_in"))
    return render_template("auth/sso_message.html", code=code, confirming=confirming, back=back,
                           title=words("refused_title_confirm" if confirming else "refused_title"),
                           reason=words(code),
                           back_text=words("back_to_sign_off" if confirming else "try_again")), \
        403 if code in FORBIDDEN else 400


@bp.route("/sign-in/sso")
def start():
    if not sso.enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("main.my_work"))
    try:
        return redirect(sso.begin({"purpose": sso.SIGN_IN, "next": safe_next(request.args.get("next"))}))
    except sso.Refused as refusal:
        return _refused(refusal.code)


@bp.route("/sign-in/sso/invitation/<token>")
def accept_invitation(token: str):
    """An invitation's link, for someone who signs in through the provider: off to the provider, and their
    sign-in there is tied to the account they were invited to (eqia.services.single_sign_on.sign_in_user).
    Nothing is used up here (mail scanners open links too): the invitation is taken up on the return."""
    if not sso.enabled():
        abort(404)
    if current_user.is_authenticated:
        flash(words("already_signed_in"), "success")
        return redirect(url_for("main.my_work"))
    if sso.invitation_link(token) is None:
        return _refused(sso.INVITATION_GONE)
    try:
        return redirect(sso.begin({"purpose": sso.SIGN_IN, "invitation": token}))
    except sso.Refused as refusal:
        return _refused(refusal.code)


@bp.route("/sign-in/sso/callback")
@returns_from_provider
def callback():
    if not sso.enabled():
        abort(404)
    try:
        back = sso.finish()
    except sso.Refused as refusal:
        return _refused(refusal.code)
    if back.purpose.get("purpose") == sso.CONFIRM:
        if not current_user.is_authenticated:
            return _refused(sso.BAD_STATE)
        try:
            sso.confirm_identity(current_user, back)
        except sso.Refused as refusal:
            return _refused(refusal.code, back.purpose)
        flash(words("confirmed", minutes=max(1, sso.reauthentication_seconds() // 60)), "success")
        return redirect(_signing_page(back.purpose))
    try:
        user = sso.sign_in_user(back.claims, invitation=back.purpose.get("invitation"))
    except sso.Refused as refusal:
        return _refused(refusal.code)
    # A fresh session, as at a password sign-in (eqia/views/auth.py); the provider's own
    # second factor stands for ours (eqia.services.second_factor.required_for).
    begin_session(user)
    session[sso.SIGNED_IN_WITH] = "oidc"
    if not user.roles:
        return redirect(url_for("sso.waiting"))
    return redirect(safe_next(back.purpose.get("next")) or url_for("main.my_work"))


@bp.route("/sign-in/waiting")
@login_required
def waiting():
    return render_template("auth/sso_message.html", code="", title=words("waiting_title"),
                           reason=words("waiting_body"), back="", back_text="")


@bp.route("/assessments/<int:assessment_id>/actions/<trigger>/confirm-identity", methods=["POST"])
@login_required
def confirm(assessment_id: int, trigger: str):
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not access.can_view(current_user, assessment) or not sso.signed_in_with_provider():
        abort(404)
    transition = definition_for(assessment).transitions.get(trigger)
    if transition is None or not transition.reauthenticate:
        abort(404)
    return _begin_confirming(sso.ASSESSMENT, assessment, trigger)


@bp.route("/programme/<subject>/<int:record_id>/actions/<trigger>/confirm-identity", methods=["POST"])
@login_required
def confirm_record(subject: str, record_id: int, trigger: str):
    """The same for a cumulative judgement's signature or an action plan's adoption."""
    if subject not in RECORDS or not sso.signed_in_with_provider():
        abort(404)
    service = RECORDS[subject][0]
    record = service.get(current_user._get_current_object(), record_id)  # 404 for one the user may not see
    transition = service.definition_of(record).transitions.get(trigger)
    if transition is None or not transition.reauthenticate:
        abort(404)
    return _begin_confirming(subject, record, trigger)


def _begin_confirming(subject: str, record, trigger: str):
    purpose = {"purpose": sso.CONFIRM, "subject": subject, "record_id": record.id, "trigger": trigger}
    try:
        return redirect(sso.begin({**purpose, "lock_version": record.lock_version}, again=True))
    except sso.Refused as refusal:
        return _refused(refusal.code, purpose)


def confirm_step(user, subject: str, record, trigger: str) -> dict:
    """A signature's "Confirm it's you" step, for someone who signed in through single sign-on: one for an
    assessment's sign-off (eqia.views.assessments) and for a programme record's signature alike."""
    done = sso.has_fresh_confirmation(user, record, trigger, subject)
    if subject == sso.ASSESSMENT:
        action = url_for("sso.confirm", assessment_id=record.id, trigger=trigger)
    else:
        action = url_for("sso.confirm_record", subject=subject, record_id=record.id, trigger=trigger)
    return {"done": done,
            "text": words("confirmed", minutes=max(1, sso.reauthentication_seconds() // 60)) if done else "",
            "button": words("confirm_with"), "hint": words("confirm_hint"), "action": action}
