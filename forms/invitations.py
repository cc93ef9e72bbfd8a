"""An admin inviting a person: name, e-mail address, roles and directorate."""

from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField

from eqia.forms.base import BaseForm
from eqia.forms.impact import LenientMultipleField
from eqia.forms.widgets import GovCheckboxesInput, GovSelect, GovSubmitInput, GovTextInput
from eqia.roles import ROLE_LABELS
from eqia.services import invitations


def directorate_id(value) -> int | None:
    """The chosen directorate's id; None for none, and for a value that is no id (the service says so)."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else (None if not text else -1)


class InviteForm(BaseForm):
    # The service checks every answer (eqia.services.invitations), so every problem is listed at once.
    name = StringField(_l("Full name"), widget=GovTextInput())
    email = StringField(_l("Email address"), widget=GovTextInput(),
                        description=_l("The link to choose a password is sent here, and they sign in with it"))
    # The roles' names are eqia.roles' words, translated as they are shown.
    roles = LenientMultipleField(_l("Roles"), widget=GovCheckboxesInput(), description=_l("Select all that apply"),
                                 choices=[(code, _l(label)) for code, label in ROLE_LABELS.items()])
    directorate = SelectField(_l("Directorate"), widget=GovSelect(), coerce=directorate_id, choices=[],
                              validate_choice=False)
    submit = SubmitField(_l("Send invitation"), widget=GovSubmitInput())


def with_directorates(form: InviteForm, directorates) -> InviteForm:
    form.directorate.choices = [("", _(invitations.NO_DIRECTORATE))] + [(str(d.id), d.name) for d in directorates]
    return form
