"""The activity register's forms. What a value must be is the service's to say
(eqia.services.activities): these parse what was posted, and refuse only what
cannot be parsed."""

from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField

from eqia.forms.admin import RETIRED_LABEL, posted_id
from eqia.forms.base import BaseForm
from eqia.forms.fields import GovukDateField
from eqia.forms.widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from eqia.models import RELEVANCES
from eqia.workflow.errors import N_

CHOOSE = N_("Choose")


class ActivityForm(BaseForm):
    name = StringField(_l("Name of the activity"), widget=GovTextInput(),
                       description=_l("As the council knows it, for example \u201cHome to school transport "
                                      "policy\u201d"))
    kind = SelectField(_l("Kind of activity"), widget=GovSelect(), choices=[], validate_choice=False)
    directorate_id = SelectField(_l("Directorate"), widget=GovSelect(), coerce=posted_id, choices=[], validate_choice=False)
    owner = StringField(_l("Owner"), widget=GovTextInput(),
                        description=_l("The person, post or team who answers for it"))
    relevance = RadioField(_l("How relevant is it to equality?"), widget=GovRadioInput(),
                           choices=list(RELEVANCES.items()), validate_choice=False)
    needs_assessment = RadioField(_l("Does it need an equality impact assessment?"), widget=GovRadioInput(),
                                  choices=[("yes", _l("Yes")), ("no", _l("No"))], validate_choice=False)
    assess_by = GovukDateField(_l("Assess it by (optional)"), error_label=_l("Assess by"),
                               description=_l("The date its assessment must be signed by, for example before the "
                                              "decision is taken. For example, 31 3 2027."))
    notes = TextAreaField(_l("Notes (optional)"), widget=GovTextArea())
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def offer(self, kinds: dict[str, str], directorates, current=None) -> "ActivityForm":
        """The running profile's kinds, and the live directorates (keeping a retired one it already has)."""
        self.kind.choices = [("", _(CHOOSE))] + [(code, str(label)) for code, label in kinds.items()]
        kept = list(directorates)
        if current is not None and current.retired:
            kept.append(current)
        self.directorate_id.choices = [("", _(CHOOSE))] + [
            (d.id, _(RETIRED_LABEL, name=d.name) if d.retired else d.name) for d in kept]
        return self

    def values(self) -> dict:
        return {"name": self.name.data, "kind": self.kind.data, "directorate_id": self.directorate_id.data,
                "owner": self.owner.data, "relevance": self.relevance.data,
                "needs_assessment": self.needs_assessment.data, "assess_by": self.assess_by.data,
                "notes": self.notes.data}


class LinkForm(BaseForm):
    reference = StringField(_l("Reference of the assessment"), widget=GovTextInput(),
                            description=_l("For example, EQIA-2026-0001"))
    submit = SubmitField(_l("Link assessment"), widget=GovSubmitInput())


class OwnActivityForm(BaseForm):
    """An author's answer on their assessment's overview: which activity of the register it assesses."""
    activity_id = SelectField(_l("Which activity in the register does this assess?"), widget=GovSelect(),
                              coerce=posted_id, choices=[], validate_choice=False)
    submit = SubmitField(_l("Link to this activity"), widget=GovSubmitInput())

    def offer(self, choices) -> "OwnActivityForm":
        self.activity_id.choices = [("", _(CHOOSE))] + [(a.id, a.name) for a in choices]
        return self


class ImportForm(BaseForm):
    # Shown with GOV.UK's file upload component by the page (no WTForms widget for it).
    file = FileField(_l("CSV file"))
    submit = SubmitField(_l("Import activities"), widget=GovSubmitInput())
