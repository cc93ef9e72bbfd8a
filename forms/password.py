from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput
from wtforms import PasswordField, SubmitField
from wtforms.validators import InputRequired, Length

from eqia.forms.base import BaseForm

TOO_LONG = "The password must be 1,000 characters or fewer"


class ChangePasswordForm(BaseForm):
    current_password = PasswordField("Current password", widget=GovPasswordInput(),
                                     validators=[InputRequired("Enter your current password"),
                                                 Length(max=1000, message=TOO_LONG)])
    new_password = PasswordField("New password", widget=GovPasswordInput(),
                                 description="At least 12 characters. Three or four random words are easy to "
                                             "remember and hard to guess",
                                 validators=[InputRequired("Enter a new password"),
                                             Length(max=1000, message=TOO_LONG)])
    confirm_password = PasswordField("Confirm new password", widget=GovPasswordInput(),
                                     validators=[InputRequired("Enter the new password again"),
                                                 Length(max=1000, message=TOO_LONG)])
    submit = SubmitField("Change password", widget=GovSubmitInput())
