from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SubmitField
from wtforms.validators import InputRequired, Length

from eqia.forms.base import BaseForm
from eqia.forms.widgets import GovSubmitInput, PasswordInput

TOO_LONG = _l("The password must be 1,000 characters or fewer")


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(_l("Current password"), widget=PasswordInput(),
                                     validators=[InputRequired(_l("Enter your current password")),
                                                 Length(max=1000, message=TOO_LONG)])
    new_password = PasswordField(_l("New password"), widget=PasswordInput(),
                                 description=_l("At least 12 characters. Three or four random words are easy to "
                                                "remember and hard to guess"),
                                 validators=[InputRequired(_l("Enter a new password")),
                                             Length(max=1000, message=TOO_LONG)])
    confirm_password = PasswordField(_l("Confirm new password"), widget=PasswordInput(),
                                     validators=[InputRequired(_l("Enter the new password again")),
                                                 Length(max=1000, message=TOO_LONG)])
    submit = SubmitField(_l("Change password"), widget=GovSubmitInput())
