"""One piece of evidence: what kind, where from, when, what it shows, a link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Optional

from eqia.forms.completion import ItemForm
from eqia.forms.fields import GovukDateField, row_values, within_limit
from eqia.forms.guidance import hint
from eqia.forms.widgets import GovRadioInput, GovTextArea, GovTextInput
from eqia.models import EVIDENCE_KINDS


class EvidenceItemForm(ItemForm):
    # Presence and the link's form are checked by the service (one place for
    # the rule, the same for the API); the form only parses.
    kind = RadioField(_l("What kind of evidence is it?"), widget=GovRadioInput(), choices=list(EVIDENCE_KINDS.items()),
                      description=hint("evidence_kind"),
                      validators=[Optional()], validate_choice=False)
    source = StringField(_l("Source"), widget=GovTextInput(), description=hint("evidence_source"),
                         validators=[Optional(), within_limit("evidence", "source", _l("Source"))])
    dated = GovukDateField(_l("Date (optional)"), error_label=_l("Date of the evidence"),
                           description=_l("When the data was collected or the report published. For example, 3 9 2025."))
    summary = TextAreaField(_l("What does it show?"), widget=GovTextArea(), description=hint("evidence_summary"),
                            validators=[Optional(), within_limit("evidence", "summary", _l("Summary"))])
    link = StringField(_l("Link (optional)"), widget=GovTextInput(), description=hint("evidence_link"),
                       validators=[Optional(), within_limit("evidence", "link", _l("Link"))])

    def values(self) -> dict:
        # A link pasted with a space around it is the link.
        return {**row_values(self, "evidence"), "link": (self.link.data or "").strip()}
