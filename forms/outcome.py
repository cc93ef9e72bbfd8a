"""Intersectional and cumulative effects; the outcome of the assessment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Optional

from eqia.forms.completion import SectionForm
from eqia.forms.guidance import hint
from eqia.forms.impact import LenientMultipleField
from eqia.forms.fields import within_limit
from eqia.forms.widgets import GovCheckboxesInput, GovTextArea
from eqia.models import OUTCOMES


class IntersectionalForm(SectionForm):
    intersectional_effects = TextAreaField(
        _l("Intersectional and cumulative effects"), widget=GovTextArea(), description=hint("intersectional"),
        validators=[Optional(),
                    within_limit("intersectional", "intersectional_effects",
                                 _l("Intersectional and cumulative effects"))])


class OutcomeForm(SectionForm):
    outcomes = LenientMultipleField(_l("What is the outcome of this assessment?"), widget=GovCheckboxesInput(),
                                    description=_l("Select all that apply."), choices=list(OUTCOMES.items()))
    outcome_justification = TextAreaField(
        _l("If the activity continues despite an adverse impact, why is that justified?"), widget=GovTextArea(),
        description=hint("outcome_justification"),
        validators=[Optional(), within_limit("outcome", "outcome_justification", _l("Justification"))])
