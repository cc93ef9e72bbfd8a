"""Every sentence single sign-on shows a user, in one place: the sign-in and sign-off pages
and the refusals, one reason per refusal code. Each is English here and in the page's
language where it is shown (words())."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext

from eqia.services import single_sign_on as sso
from eqia.services.password_policy import N_

WORDS = {
    "sign_in_with": N_("Sign in with %(provider)s"),
    "confirm_with": N_("Confirm it's you with %(provider)s"),
    "confirm_hint": N_("You will sign in to %(provider)s again. Then you come back here to sign. Your signature is "
                        "recorded with your name, the time and a fingerprint (SHA-256) of exactly what you signed."),
    "confirmed": N_("You have confirmed it's you with %(provider)s. Now sign within %(minutes)s minutes."),
    "confirm_first": N_("Confirm it's you with %(provider)s before you sign"),
    "passwords_off": N_("Sign in with %(provider)s. Passwords are turned off for your account"),
    "waiting_title": N_("An administrator needs to give you access"),
    "waiting_body": N_("You have signed in, but you do not have a role in this service yet. An administrator "
                        "of %(council)s needs to give you one. Ask your equality team, then sign in again."),
    "refused_title": N_("You could not be signed in"),
    "refused_title_confirm": N_("We could not confirm it's you"),
    "try_again": N_("Try again"),
    "already_signed_in": N_("You are already signed in. To take up an invitation for someone else, sign out first."),
    "back_to_sign_off": N_("Go back to the sign-off"),
    # One reason per refusal code of the service.
    sso.BAD_STATE: N_("The sign-in link had expired or was not started from this browser. Start again from the "
                       "sign-in page."),
    sso.BAD_NONCE: N_("The answer from %(provider)s did not match the request we made. Start again."),
    sso.BAD_TOKEN: N_("The answer from %(provider)s could not be checked. Start again, or ask IT to check the set-up."),
    sso.PROVIDER_ERROR: N_("%(provider)s did not sign you in. If you cancelled, start again. If it keeps happening, "
                            "contact your IT service desk."),
    sso.PROVIDER_UNREACHABLE: N_("%(provider)s could not be reached. Try again in a few minutes."),
    sso.UNKNOWN_USER: N_("There is no account for you in this service. Ask an administrator of %(council)s to add "
                          "you, then sign in again."),
    sso.INACTIVE: N_("Your account has been turned off. Ask an administrator of %(council)s if you need it back."),
    sso.NO_EMAIL: N_("%(provider)s did not tell us your email address, so we could not make an account for you. Ask "
                      "an administrator of %(council)s to add you."),
    sso.ANOTHER_SUBJECT: N_("You signed in to %(provider)s as someone else. To sign, sign in to %(provider)s as "
                             "yourself."),
    sso.INVITATION_GONE: N_("This invitation has expired, has been used, or was replaced by a newer one. If you "
                             "have signed in before, sign in from the sign-in page. If not, ask an administrator of "
                             "%(council)s to invite you again."),
    sso.STALE: N_("%(provider)s did not ask you to sign in just now, so it does not show it was you. Try again, and "
                   "sign in when %(provider)s asks."),
}


def words(key: str, **values) -> str:
    return gettext(WORDS[key], provider=sso.provider_name(), council=current_app.config["EQIA_COUNCIL_NAME"],
                   **values)
