"""The administration pages' forms. What a value must be is the services' to
say (eqia.admin): these parse what was posted, and refuse only what cannot be
parsed, in the same words."""

from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from eqia.admin.directorates import DIRECTORATE_NAME_MISSING, NAME_MAX, NAME_TOO_LONG, SERVICE_NAME_MISSING
from eqia.forms.base import BaseForm
from eqia.forms.impact import LenientMultipleField
from eqia.forms.widgets import GovCheckboxesInput, GovSelect, GovSubmitInput, GovTextInput
from eqia.roles import ROLE_LABELS
from eqia.workflow.errors import N_

DATABASE_INTEGER_MAX = 2**31 - 1

NO_DIRECTORATE = N_("No directorate")
RETIRED_LABEL = N_("%(name)s (retired)")


NOT_AN_ID = -1  # what no row has: the service refuses it in the words of its list


def posted_id(value) -> int | None:
    """A posted id as a number; None for none chosen; NOT_AN_ID for anything that
    cannot be one, so a forged value is refused, never read as "none"."""
    if value is None or value == "" or isinstance(value, int):
        return value or None
    # The length first: Python refuses int() of more than 4,300 digits (a ValueError, which WTForms would
    # answer with its own English "could not coerce" instead of the service's words).
    if isinstance(value, str) and value.isascii() and value.isdigit() \
            and len(value) <= len(str(DATABASE_INTEGER_MAX)) and int(value) <= DATABASE_INTEGER_MAX:
        return int(value)
    return NOT_AN_ID


class DirectorateNameForm(BaseForm):
    name = StringField(_l("Name of the directorate"), widget=GovTextInput(),
                       validators=[InputRequired(_l(DIRECTORATE_NAME_MISSING)),
                                   Length(max=NAME_MAX, message=_l(NAME_TOO_LONG))])
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


class ServiceNameForm(BaseForm):
    name = StringField(_l("Name of the service"), widget=GovTextInput(),
                       validators=[InputRequired(_l(SERVICE_NAME_MISSING)),
                                   Length(max=NAME_MAX, message=_l(NAME_TOO_LONG))])
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


class IdListField(LenientMultipleField):
    """Checkboxes of ids: a value that is not one is kept as None, for the service to refuse."""

    def process_formdata(self, valuelist) -> None:
        self.data = [posted_id(v) for v in valuelist]


class UserForm(BaseForm):
    # The roles' names are eqia.roles' words, translated as they are shown.
    roles = LenientMultipleField(_l("Roles"), widget=GovCheckboxesInput(),
                                 choices=[(code, _l(label)) for code, label in ROLE_LABELS.items()])
    directorate_id = SelectField(_l("Directorate"), widget=GovSelect(), coerce=posted_id, validate_choice=False,
                                 description=_l("Authors see and start the assessments of their own directorate"))
    covers = IdListField(_l("Directorates this equality lead covers"), widget=GovCheckboxesInput(), coerce=posted_id,
                         description=_l("Their queue shows assessments of these directorates only. Choose none to "
                                        "cover the whole council"))
    submit = SubmitField(_l("Save changes"), widget=GovSubmitInput())

    def set_directorates(self, live, current, covered) -> None:
        """Live directorates, keeping a retired one the person already has (shown as retired)."""
        def label(d) -> str:
            return _(RETIRED_LABEL, name=d.name) if d.retired else d.name

        kept = {d.id: d for d in [*live, *(d for d in [current, *covered] if d is not None)]}
        ordered = sorted(kept.values(), key=lambda d: (d.retired, d.name))
        self.directorate_id.choices = [("", _(NO_DIRECTORATE))] + [
            (d.id, label(d)) for d in ordered if not d.retired or (current is not None and d.id == current.id)]
        self.covers.choices = [(d.id, label(d)) for d in ordered
                               if not d.retired or d.id in {c.id for c in covered}]
