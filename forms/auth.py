from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from eqia.forms.base import BaseForm
from eqia.forms.widgets import GovSubmitInput, GovTextInput, PasswordInput


class SignInForm(BaseForm):
    email = StringField(_l("Email address"), widget=GovTextInput(),
                        validators=[InputRequired(_l("Enter your email address")),
                                    Length(max=320, message=_l("Email address must be 320 characters or fewer"))])
    password = PasswordField(_l("Password"), widget=PasswordInput(),
                             validators=[InputRequired(_l("Enter your password")),
                                         Length(max=1000, message=_l("Password must be 1,000 characters or fewer"))])
    submit = SubmitField(_l("Sign in"), widget=GovSubmitInput())
