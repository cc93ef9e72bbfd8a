"""The action plan: actions with owner, due date, success measure and status."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea, GovTextInput
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Optional

from eqia.forms.completion import ItemForm, SectionForm
from eqia.forms.fields import GovukDateField, row_values, within_limit
from eqia.forms.guidance import hint
from eqia.models import ACTION_STATUSES


class ActionForm(ItemForm):
    description = TextAreaField("Action", widget=GovTextArea(), description=hint("action_description"),
                                validators=[Optional(), within_limit("action_plan", "description", "Action")])
    owner = StringField("Who owns it?", widget=GovTextInput(), description="A named person or post.",
                        validators=[Optional(), within_limit("action_plan", "owner", "Owner")])
    due_date = GovukDateField("When is it due?", error_label="Due date", description="For example, 30 9 2026.")
    success_measure = TextAreaField("How will you know it has worked?", widget=GovTextArea(),
                                    description=hint("action_measure"),
                                    validators=[Optional(),
                                                within_limit("action_plan", "success_measure", "Success measure")])
    status = RadioField("Status", widget=GovRadioInput(), choices=list(ACTION_STATUSES.items()),
                        description=hint("action_status"),
                        validators=[Optional()], validate_choice=False)

    def values(self) -> dict:
        return row_values(self, "action_plan")


class ActionPlanPageForm(SectionForm):
    review_date = GovukDateField("When will you review the actual impact?", error_label="Review date",
                                 description=hint("review_date") + " For example, 1 4 2027.")
