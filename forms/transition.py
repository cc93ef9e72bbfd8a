"""Confirming a workflow action, with a comment when the definition asks for one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, PasswordField, SubmitField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from eqia.forms.base import BaseForm
from eqia.forms.widgets import GovCheckboxInput, GovSubmitInput, GovTextArea, PasswordInput


class TransitionForm(BaseForm):
    # Length and presence are checked by the workflow service, the one place the
    # rule lives, so the API and the pages refuse the same things.
    comment = TextAreaField(_l("Comment"), widget=GovTextArea(), validators=[Optional()])
    # Shown only where the definition asks for them (a sign-off's attestation and
    # re-authentication); the service checks them, so no page can skip them.
    attest = BooleanField(_l("I confirm the statement above"), widget=GovCheckboxInput())
    password = PasswordField(_l("Your password"), widget=PasswordInput(), validators=[Optional()])
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Confirm"), widget=GovSubmitInput())


class PostOnlyForm(BaseForm):
    """A form with nothing but its CSRF token (sign-out)."""
