"""Every sentence single sign-on shows a user, in one place (for translation later):
the sign-in and sign-off pages and the refusals, one reason per refusal code."""

from __future__ import annotations

from flask import current_app

from eqia.services import single_sign_on as sso

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


def words(key: str, **values) -> str:
    return WORDS[key].format(provider=sso.provider_name(), council=current_app.config["EQIA_COUNCIL_NAME"],
                             **values)
