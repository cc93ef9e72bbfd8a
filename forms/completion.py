"""The question that ends every section page, in the GOV.UK task list pattern."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SubmitField
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import HiddenInput

from eqia.forms.base import BaseForm
from eqia.forms.widgets import GovRadioInput, GovSubmitInput

COMPLETION_MISSING = _l("Select whether you have completed this section")


class SectionForm(BaseForm):
    """A section page: the lock version it was built from, and whether the
    author has finished. "Yes" runs the section's full checks on the server;
    "No" saves a draft, however incomplete."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    completed = RadioField(_l("Have you completed this section?"), widget=GovRadioInput(),
                           choices=[("yes", _l("Yes, I\u2019ve completed this section")),
                                    ("no", _l("No, I\u2019ll come back to it later"))],
                           validators=[InputRequired(COMPLETION_MISSING)], validate_choice=False)
    submit = SubmitField(_l("Save and continue"), widget=GovSubmitInput())

    def validate_completed(self, field) -> None:
        if field.data not in ("yes", "no"):
            raise ValidationError(COMPLETION_MISSING)

    def wants_complete(self) -> bool:
        return self.completed.data == "yes"


class ItemForm(BaseForm):
    """Adding or changing one item of a list section."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


class ConfirmForm(BaseForm):
    """A button that changes something (remove, move): only the lock version."""

    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
