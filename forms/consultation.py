"""Consultation and engagement: who, when, how, what they said, what changed."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovTextArea, GovTextInput
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from eqia.forms.completion import ItemForm, SectionForm
from eqia.forms.fields import GovukDateField, row_values, within_limit
from eqia.forms.guidance import hint


class ConsultationItemForm(ItemForm):
    who = TextAreaField("Who did you consult or engage with?", widget=GovTextArea(),
                        description=hint("consultation_who"),
                        validators=[Optional(), within_limit("consultation", "who", "Who")])
    held_from = GovukDateField("Start date", error_label="Start date", description="For example, 12 5 2026.")
    held_to = GovukDateField("End date (optional)", error_label="End date",
                             description="Leave blank for a single event.")
    method = StringField("How did you consult or engage with them?", widget=GovTextInput(),
                         description="For example, an online survey, drop-in sessions, or a meeting of a forum.",
                         validators=[Optional(), within_limit("consultation", "method", "How")])
    what_they_said = TextAreaField("What did they tell you?", widget=GovTextArea(),
                                   description=hint("consultation_said"),
                                   validators=[Optional(),
                                               within_limit("consultation", "what_they_said", "What they said")])
    how_it_changed = TextAreaField("How did it change the proposal?", widget=GovTextArea(),
                                   description=hint("consultation_changed"),
                                   validators=[Optional(),
                                               within_limit("consultation", "how_it_changed", "How it changed")])

    def values(self) -> dict:
        return row_values(self, "consultation")


class ConsultationPageForm(SectionForm):
    no_consultation_reason = TextAreaField(
        "If there was no consultation or engagement, why not?", widget=GovTextArea(),
        description=hint("no_consultation_reason"),
        validators=[Optional(), within_limit("consultation", "no_consultation_reason", "Reason")])
