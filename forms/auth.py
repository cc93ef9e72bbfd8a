from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from eqia.forms.base import BaseForm


class SignInForm(BaseForm):
    email = StringField("Email address", widget=GovTextInput(),
                        validators=[InputRequired("Enter your email address"),
                                    Length(max=320, message="Email address must be 320 characters or fewer")])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password"),
                                         Length(max=1000, message="Password must be 1,000 characters or fewer")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())
