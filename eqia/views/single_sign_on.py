"""Single sign-on pages: off to the provider, back from it, and the refusals.

The rules are in eqia/services/single_sign_on.py; this module parses, calls and
words. Every sentence a user reads here is in WORDS (one place, for translation).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user

from eqia.extensions import db
from eqia.loaded_definitions import definition_for
from eqia.models import Assessment
from eqia.services import access, credentials
from eqia.services import single_sign_on as sso
from eqia.unit_of_work import returns_from_provider
from eqia.views.auth import safe_next

bp = Blueprint("sso", __name__)

WORDS = {
    "sign_in_with": "Sign in with {provider}",
    "confirm_with": "Confirm it's you with {provider}",
    "confirm_hint": ("You will sign in to {provider} again. Then you come back here to sign. Your signature is "
                     "recorded with your name, the time and a fingerprint (SHA-256) of exactly what you signed."),
    "confirmed": "You have confirmed it's you with {provider}. Now sign within {minutes} minutes.",
    "confirm_first": "Confirm it's you with {provider} before you sign",
    "passwords_off": "Sign in with {provider}. Passwords are turned off for your account",
    "waiting_title": "An administrator needs to give you access",
    "waiting_body": ("You have signed in, but you do not have a role in this service yet. An administrator "
                     "of {council} needs to give you one. Ask your equality team, then sign in again."),
    "refused_title": "You could not be signed in",
    "refused_title_confirm": "We could not confirm it's you",
    "try_again": "Try again",
    "back_to_sign_off": "Go back to the sign-off",
    # One reason per refusal code of the service.
    sso.BAD_STATE: ("The sign-in link had expired or was not started from this browser. Start again from the "
                    "sign-in page."),
    sso.BAD_NONCE: "The answer from {provider} did not match the request we made. Start again.",
    sso.BAD_TOKEN: "The answer from {provider} could not be checked. Start again, or ask IT to check the set-up.",
    sso.PROVIDER_ERROR: ("{provider} did not sign you in. If you cancelled, start again. If it keeps happening, "
                         "contact your IT service desk."),
    sso.PROVIDER_UNREACHABLE: "{provider} could not be reached. Try again in a few minutes.",
    sso.UNKNOWN_USER: ("There is no account for you in this service. Ask an administrator of {council} to add "
                       "you, then sign in again."),
    sso.INACTIVE: "Your account has been turned off. Ask an administrator of {council} if you need it back.",
    sso.NO_EMAIL: ("{provider} did not tell us your email address, so we could not make an account for you. Ask "
                   "an administrator of {council} to add you."),
    sso.ANOTHER_SUBJECT: ("You signed in to {provider} as someone else. To sign, sign in to {provider} as "
                          "yourself."),
    sso.STALE: ("{provider} did not ask you to sign in just now, so it does not show it was you. Try again, and "
                "sign in when {provider} asks."),
}
# Who refused is never in doubt: these are about the account, the rest about the attempt.
FORBIDDEN = {sso.UNKNOWN_USER, sso.INACTIVE, sso.ANOTHER_SUBJECT}


def words(key: str, **values) -> str:
    from flask import current_app

    return WORDS[key].format(provider=sso.provider_name(), council=current_app.config["EQIA_COUNCIL_NAME"],
                             **values)


def _refused(code: str, purpose: dict | None = None):
    confirming = bool(purpose) and purpose.get("purpose") == sso.CONFIRM
    back = (url_for("assessments.take_action", assessment_id=purpose["assessment_id"], trigger=purpose["trigger"])
            if confirming else url_for("auth.sign_in"))
    return render_template("auth/sso_refused.html", code=code, confirming=confirming, back=back,
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
        return redirect(url_for("assessments.take_action", assessment_id=back.purpose["assessment_id"],
                                trigger=back.purpose["trigger"]))
    try:
        user = sso.sign_in_user(back.claims)
    except sso.Refused as refusal:
        return _refused(refusal.code)
    # A fresh session, as at a password sign-in (eqia/views/auth.py).
    session.clear()
    session.permanent = True
    session[credentials.SESSION_KEY] = credentials.start_session(user)
    session[sso.SIGNED_IN_WITH] = "oidc"
    login_user(user)
    if not user.roles:
        return redirect(url_for("sso.waiting"))
    return redirect(safe_next(back.purpose.get("next")) or url_for("main.my_work"))


@bp.route("/sign-in/waiting")
@login_required
def waiting():
    return render_template("auth/sso_waiting.html", title=words("waiting_title"), body=words("waiting_body"))


@bp.route("/assessments/<int:assessment_id>/actions/<trigger>/confirm-identity", methods=["POST"])
@login_required
def confirm(assessment_id: int, trigger: str):
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not access.can_view(current_user, assessment) or not sso.signed_in_with_provider():
        abort(404)
    transition = definition_for(assessment).transitions.get(trigger)
    if transition is None or not transition.reauthenticate:
        abort(404)
    try:
        return redirect(sso.begin({"purpose": sso.CONFIRM, "assessment_id": assessment.id, "trigger": trigger,
                                   "lock_version": assessment.lock_version}, again=True))
    except sso.Refused as refusal:
        return _refused(refusal.code, {"purpose": sso.CONFIRM, "assessment_id": assessment.id,
                                       "trigger": trigger})
