"""Forms of the second factor: the code at sign-in, confirming the set-up, turning it off."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from eqia.forms.base import BaseForm
from eqia.services.second_factor import CODE_MISSING, TURN_OFF_WRONG

CODE_TOO_LONG = "The code must be 100 characters or fewer"
SECRET_TOO_LONG = "The code or password must be 1,000 characters or fewer"


def _stripped(value: object) -> object:
    # Spaces are how people copy codes ("123 456"); a code of spaces only is no code.
    return value.strip() if isinstance(value, str) else value


class SignInCodeForm(BaseForm):
    code = StringField("Code", widget=GovTextInput(),
                       description="The 6 digits your authenticator app shows for this service, or one of "
                                   "your recovery codes",
                       filters=[_stripped],
                       validators=[DataRequired(CODE_MISSING), Length(max=100, message=CODE_TOO_LONG)])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmSetupForm(BaseForm):
    code = StringField("Code from your authenticator app", widget=GovTextInput(),
                       description="6 digits, for example 123456",
                       filters=[_stripped],
                       validators=[DataRequired(CODE_MISSING), Length(max=100, message=CODE_TOO_LONG)])
    submit = SubmitField("Turn on two-factor authentication", widget=GovSubmitInput())


class TurnOffForm(BaseForm):
    code_or_password = PasswordField("Code from your authenticator app, or your password",
                                     widget=GovPasswordInput(),
                                     validators=[InputRequired(TURN_OFF_WRONG),
                                                 Length(max=1000, message=SECRET_TOO_LONG)])
    submit = SubmitField("Turn off two-factor authentication", widget=GovSubmitInput())
