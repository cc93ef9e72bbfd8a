"""At review: for each group the version reviewed assessed, the impact seen and its evidence;
then what happens next. Built from the version reviewed's own groups."""

from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import Optional

from eqia.forms.completion import SectionForm
from eqia.forms.fields import within_limit
from eqia.forms.guidance import hint
from eqia.forms.widgets import GovRadioInput, GovTextArea
from eqia.models import REVIEW_ACTUALS, REVIEW_NEXT_STEPS

PART = "actual_impacts"


def build_review_form(impacts, **kwargs) -> SectionForm:
    """`impacts` are the version reviewed's CharacteristicImpact rows: one question per group."""

    class ReviewForm(SectionForm):
        pass

    # Choices not offered are refused by the service, in the rule's own words. The fields are made in the
    # page's order (each group, then what happens next), which is the order the error summary lists them in.
    for impact in impacts:
        key, name = impact.characteristic_key, impact.characteristic_label
        setattr(ReviewForm, f"actual_{key}", RadioField(
            _("What was the actual impact on %(group)s?", group=name), widget=GovRadioInput(), description=hint("actual_impact"),
            choices=list(REVIEW_ACTUALS.items()), validators=[Optional()], validate_choice=False))
        setattr(ReviewForm, f"evidence_{key}", TextAreaField(
            _("Evidence of the actual impact on %(group)s", group=name), widget=GovTextArea(), description=hint("actual_evidence"),
            validators=[Optional(), within_limit(PART, "evidence_seen", _("The evidence about %(group)s", group=name))]))
    ReviewForm.next_step = RadioField(
        _l("What happens next?"), widget=GovRadioInput(), description=hint("next_step"),
        choices=list(REVIEW_NEXT_STEPS.items()), validators=[Optional()], validate_choice=False)
    ReviewForm.next_step_reason = TextAreaField(
        _l("Why is this what happens next?"), widget=GovTextArea(), description=hint("next_step_reason"),
        validators=[Optional(), within_limit(PART, "review_next_step_reason", _l("The reason"))])
    return ReviewForm(**kwargs)
