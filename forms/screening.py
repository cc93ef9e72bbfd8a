"""Screening: could the activity affect each group differently?

Built from the configured characteristic set, so a deployment with other
groups gets other questions without code changes."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import HiddenInput

from eqia.characteristics import CharacteristicSet
from eqia.forms.base import BaseForm
from eqia.forms.register import LONG, too_long


def build_screening_form(characteristics: CharacteristicSet, rows, **kwargs) -> BaseForm:
    """`rows` are the assessment's own ScreeningAnswer rows (the groups it was
    started with), so an assessment keeps its questions if the set changes."""

    class ScreeningForm(BaseForm):
        lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
        relevance = RadioField("How relevant is this activity to equality?", widget=GovRadioInput(),
                               choices=characteristics.choices("relevance"), validators=[Optional()])
        conclusion = TextAreaField("Screening conclusion", widget=GovTextArea(),
                                   description="Say whether a full assessment is needed, and why.",
                                   validators=[Optional(), Length(max=LONG, message=too_long("Conclusion", LONG))])
        submit = SubmitField("Save screening", widget=GovSubmitInput())

    answer_choices = characteristics.choices("screening_answer")
    for row in rows:
        c = characteristics.get(row.characteristic_key)
        setattr(ScreeningForm, f"answer_{row.characteristic_key}", RadioField(
            f"Could the activity affect {row.characteristic_label} differently?", widget=GovRadioInput(),
            description=c.hint if c else "", choices=answer_choices, validators=[Optional()],
        ))
        setattr(ScreeningForm, f"reason_{row.characteristic_key}", TextAreaField(
            "Reason for your answer", widget=GovTextArea(),
            description="What you know about this group and the activity. \u201cNo impact\u201d needs a reason too.",
            validators=[Optional(), Length(max=LONG, message=too_long("Reason", LONG))],
        ))
    return ScreeningForm(**kwargs)
