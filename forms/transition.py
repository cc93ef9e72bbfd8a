"""Confirming a workflow action, with a comment when the definition asks for one."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import IntegerField, SubmitField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from eqia.forms.base import BaseForm


class TransitionForm(BaseForm):
    # Length and presence are checked by the workflow service, the one place the
    # rule lives, so the API and the pages refuse the same things.
    comment = TextAreaField("Comment", widget=GovTextArea(), validators=[Optional()])
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class PostOnlyForm(BaseForm):
    """A form with nothing but its CSRF token (sign-out)."""
