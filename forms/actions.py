"""The action plan: actions with owner, due date, success measure and status."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from eqia.forms.completion import ItemForm, SectionForm
from eqia.forms.fields import GovukDateField, row_values, within_limit
from eqia.forms.guidance import hint, hint_with_example_date
from eqia.forms.widgets import GovRadioInput, GovSelect, GovTextArea, GovTextInput
from eqia.models import ACTION_STATUSES


WITHOUT_ACCOUNT = _l("Someone without an account")


def account_id(value) -> int | None:
    """The chosen account's id; None for someone without one. Anything else is kept as an id that names no
    account (0), so the service refuses it with its own words rather than the form guessing."""
    if value in (None, ""):
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text) if text.isdigit() and len(text) < 12 else 0


def with_accounts(form: "ActionForm", accounts) -> "ActionForm":
    """Offer these accounts (active ones, chosen by the view) as the owner."""
    form.owner_user_id.choices = [("", WITHOUT_ACCOUNT)] + [(str(a.id), f"{a.name} ({a.email})") for a in accounts]
    return form


class ActionForm(ItemForm):
    description = TextAreaField(_l("Action"), widget=GovTextArea(), description=hint("action_description"),
                                validators=[Optional(), within_limit("action_plan", "description", _l("Action"))])
    owner = StringField(_l("Who owns it?"), widget=GovTextInput(),
                        description=_l("A named person, post or body, as the plan should show it."),
                        validators=[Optional(), within_limit("action_plan", "owner", _l("Owner"))])
    owner_user_id = SelectField(_l("Does the owner have an account here?"), widget=GovSelect(), coerce=account_id,
                                choices=[], validate_choice=False,
                                description=_l("An owner with an account sees the action in ‘My actions’ "
                                               "and can record its progress. If you leave ‘Who owns it?’ blank, "
                                               "the plan shows the account’s name."))
    due_date = GovukDateField(_l("When is it due?"), error_label=_l("Due date"), description=_l("For example, 30 9 2026."))
    success_measure = TextAreaField(_l("How will you know it has worked?"), widget=GovTextArea(),
                                    description=hint("action_measure"),
                                    validators=[Optional(),
                                                within_limit("action_plan", "success_measure", _l("Success measure"))])
    status = RadioField(_l("Status"), widget=GovRadioInput(), choices=list(ACTION_STATUSES.items()),
                        description=hint("action_status"),
                        validators=[Optional()], validate_choice=False)

    def values(self) -> dict:
        return row_values(self, "action_plan")


class ActionPlanPageForm(SectionForm):
    review_date = GovukDateField(_l("When will you review the actual impact?"), error_label=_l("Review date"),
                                 description=hint_with_example_date("review_date", "1 4 2027"))
