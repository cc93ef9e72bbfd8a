"""Asking for a password reset link, and setting a password with an e-mailed link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from eqia.forms.base import BaseForm
from eqia.forms.widgets import GovSubmitInput, GovTextInput, PasswordInput
from eqia.services.password_policy import HINT, PASSWORD_MAX, TOO_LONG

EMAIL_MISSING = _l("Enter your email address")
EMAIL_TOO_LONG = _l("Email address must be 320 characters or fewer")


class ForgottenPasswordForm(BaseForm):
    email = StringField(_l("Email address"), widget=GovTextInput(),
                        description=_l("The address you sign in with. We will send a link to it to choose a new password"),
                        validators=[InputRequired(EMAIL_MISSING), Length(max=320, message=EMAIL_TOO_LONG)])
    submit = SubmitField(_l("Send the link"), widget=GovSubmitInput())


class SetPasswordForm(BaseForm):
    password = PasswordField(_l("New password"), widget=PasswordInput(), description=HINT,
                             validators=[InputRequired(_l("Enter a new password")),
                                         Length(max=PASSWORD_MAX, message=TOO_LONG)])
    confirm_password = PasswordField(_l("Confirm new password"), widget=PasswordInput(),
                                     validators=[InputRequired(_l("Enter the new password again")),
                                                 Length(max=PASSWORD_MAX, message=TOO_LONG)])
    submit = SubmitField(_l("Set password"), widget=GovSubmitInput())
