"""Consultation and engagement: who, when, how, what they said, what changed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from eqia.forms.completion import ItemForm, SectionForm
from eqia.forms.fields import GovukDateField, row_values, within_limit
from eqia.forms.guidance import hint
from eqia.forms.widgets import GovTextArea, GovTextInput


class ConsultationItemForm(ItemForm):
    who = TextAreaField(_l("Who did you consult or engage with?"), widget=GovTextArea(),
                        description=hint("consultation_who"),
                        validators=[Optional(), within_limit("consultation", "who", _l("Who"))])
    held_from = GovukDateField(_l("Start date"), error_label=_l("Start date"), description=_l("For example, 12 5 2026."))
    held_to = GovukDateField(_l("End date (optional)"), error_label=_l("End date"),
                             description=_l("Leave blank for a single event."))
    method = StringField(_l("How did you consult or engage with them?"), widget=GovTextInput(),
                         description=_l("For example, an online survey, drop-in sessions, or a meeting of a forum."),
                         validators=[Optional(), within_limit("consultation", "method", _l("How"))])
    what_they_said = TextAreaField(_l("What did they tell you?"), widget=GovTextArea(),
                                   description=hint("consultation_said"),
                                   validators=[Optional(),
                                               within_limit("consultation", "what_they_said", _l("What they said"))])
    how_it_changed = TextAreaField(_l("How did it change the proposal?"), widget=GovTextArea(),
                                   description=hint("consultation_changed"),
                                   validators=[Optional(),
                                               within_limit("consultation", "how_it_changed", _l("How it changed"))])

    def values(self) -> dict:
        return row_values(self, "consultation")


class ConsultationPageForm(SectionForm):
    no_consultation_reason = TextAreaField(
        _l("If there was no consultation or engagement, why not?"), widget=GovTextArea(),
        description=hint("no_consultation_reason"),
        validators=[Optional(), within_limit("consultation", "no_consultation_reason", _l("Reason"))])
