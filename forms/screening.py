"""Screening: could the activity affect each group differently?

Built from the assessment's own groups and the configured scales, so a
deployment with other groups gets other questions without code changes."""

from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.widgets import HiddenInput
from wtforms.validators import Optional

from eqia.characteristics import Characteristic, CharacteristicSet
from eqia.forms.base import BaseForm
from eqia.forms.completion import SectionForm
from eqia.forms.guidance import hint, hint_with_example_date
from eqia.forms.fields import GovukDateField, within_limit
from eqia.forms.widgets import GovRadioInput, GovSubmitInput, GovTextArea
from eqia.models import SCREENING_PROPOSALS
from eqia.assessments.sections import asks_about_advancing


def build_screening_form(characteristics: CharacteristicSet, rows, stored_relevance: str | None = None,
                         **kwargs) -> SectionForm:
    """`rows` are the assessment's own ScreeningAnswer rows (the groups it was
    started with), so an assessment keeps its questions if the set changes."""

    class ScreeningForm(SectionForm):
        # Unknown choices are refused by the service, with the rule's own message.
        relevance = RadioField(_l("How relevant is this activity to equality?"), widget=GovRadioInput(),
                               description=hint("relevance"),
                               choices=characteristics.choices_keeping("relevance", stored_relevance),
                               validators=[Optional()],
                               validate_choice=False)
        proposal = RadioField(_l("What do you propose?"), widget=GovRadioInput(), description=hint("proposal"),
                              choices=list(SCREENING_PROPOSALS.items()), validators=[Optional()],
                              validate_choice=False)
        conclusion = TextAreaField(_l("Screening conclusion and reasons"), widget=GovTextArea(),
                                   description=hint("conclusion"),
                                   validators=[Optional(),
                                               within_limit("screening", "conclusion", _l("Conclusion"))])

        review_date = GovukDateField(_l("When should this screening decision be reviewed?"),
                                     error_label=_l("The date this screening decision should be reviewed"),
                                     description=hint_with_example_date("screening_review_date", "1 4 2027"))

    for row in rows:
        key = row.characteristic_key
        c = characteristics.get(key)
        setattr(ScreeningForm, f"answer_{key}", RadioField(
            characteristics.question("screening", row.characteristic_label),
            widget=GovRadioInput(),
            description=c.hint if c else "",
            choices=characteristics.choices_keeping("screening_answer", getattr(row, "affects", None)),
            validators=[Optional()],
            validate_choice=False,  # the service refuses an unknown answer with its own message
        ))
        setattr(ScreeningForm, f"reason_{key}", TextAreaField(
            _("Reason for your answer about %(group)s", group=characteristics.group_name(row.characteristic_label)), widget=GovTextArea(),
            description=hint("screening_reason"),
            validators=[Optional(),
                        within_limit("screening", "reason", _("Reason about %(group)s", group=characteristics.group_name(row.characteristic_label)))],
        ))
        if asks_about_advancing(key, characteristics):
            setattr(ScreeningForm, f"advances_{key}", RadioField(
                characteristics.question("advances", row.characteristic_label),
                widget=GovRadioInput(), description=hint("advances"),
                choices=characteristics.choices_keeping("advances_answer", getattr(row, "advances_equality", None)),
                validators=[Optional()], validate_choice=False,
            ))
    return ScreeningForm(**kwargs)


def build_add_group_form(missing: list[Characteristic], **kwargs) -> BaseForm:
    """"Add a group": one of the configured groups the assessment leaves out.
    Nothing chosen, or a group not offered, is refused by the service in its words."""

    class AddGroupForm(BaseForm):
        characteristic = RadioField(_l("Which group do you want to add?"), widget=GovRadioInput(),
                                    choices=[(c.key, c.name) for c in missing], validate_choice=False,
                                    validators=[Optional()])
        lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
        submit = SubmitField(_l("Add group"), widget=GovSubmitInput())

    return AddGroupForm(**kwargs)
