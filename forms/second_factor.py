"""Forms of the second factor: the code at sign-in, confirming the set-up, new recovery codes, turning off."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from eqia.forms.base import BaseForm
from eqia.forms.widgets import GovSubmitInput, GovTextInput, PasswordInput
from eqia.services import second_factor
from eqia.services.password_policy import N_, PageWords

# Strings as well as words for the page: tests and logs compare them as text.
CODE_MISSING = PageWords(second_factor.CODE_MISSING)
TURN_OFF_WRONG = PageWords(second_factor.TURN_OFF_WRONG)
CODE_TOO_LONG = PageWords(N_("The code must be 100 characters or fewer"))
SECRET_TOO_LONG = PageWords(N_("The code or password must be 1,000 characters or fewer"))


def _stripped(value: object) -> object:
    # Spaces are how people copy codes ("123 456"); a code of spaces only is no code.
    return value.strip() if isinstance(value, str) else value


class SignInCodeForm(BaseForm):
    code = StringField(_l("Code"), widget=GovTextInput(),
                       description=_l("The 6 digits your authenticator app shows for this service, or one of "
                                      "your recovery codes"),
                       filters=[_stripped],
                       validators=[DataRequired(CODE_MISSING), Length(max=100, message=CODE_TOO_LONG)])
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class ConfirmSetupForm(BaseForm):
    code = StringField(_l("Code from your authenticator app"), widget=GovTextInput(),
                       description=_l("6 digits, for example 123456"),
                       filters=[_stripped],
                       validators=[DataRequired(CODE_MISSING), Length(max=100, message=CODE_TOO_LONG)])
    submit = SubmitField(_l("Turn on two-factor authentication"), widget=GovSubmitInput())


class NewRecoveryCodesForm(BaseForm):
    code = StringField(_l("Code from your authenticator app"), widget=GovTextInput(),
                       description=_l("The 6 digits your app shows now. A recovery code cannot be used here: "
                                      "the code from your app is all you need."),
                       filters=[_stripped],
                       validators=[DataRequired(CODE_MISSING), Length(max=100, message=CODE_TOO_LONG)])
    submit = SubmitField(_l("Get new recovery codes"), widget=GovSubmitInput())


class TurnOffForm(BaseForm):
    code_or_password = PasswordField(_l("Code from your authenticator app, or your password"),
                                     widget=PasswordInput(),
                                     validators=[InputRequired(TURN_OFF_WRONG),
                                                 Length(max=1000, message=SECRET_TOO_LONG)])
    submit = SubmitField(_l("Turn off two-factor authentication"), widget=GovSubmitInput())
