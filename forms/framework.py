"""The Equality Framework self-assessment's forms. What a value must be is the
framework service's to say (eqia.services.framework): these parse what was posted,
and refuse only what cannot be parsed."""

from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from eqia.forms.admin import posted_id
from eqia.forms.base import BaseForm
from eqia.forms.widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput

LATEST, NONE = "", "none"  # the previous self-assessment: the latest of the framework, or none
NEW_PLAN = "new"


def _chosen_id(value: str | None):
    """A posted choice that is a code ("", "none", "new") or an id."""
    if value in (None, "", NONE, NEW_PLAN):
        return value or ""
    return posted_id(value)


class SelfAssessmentForm(BaseForm):
    framework = RadioField(_l("Framework"), widget=GovRadioInput(), choices=[], validate_choice=False)
    period = StringField(_l("Period"), widget=GovTextInput(), description=_l("For example, 2026/27"))
    previous = SelectField(_l("Compare with"), widget=GovSelect(), choices=[], coerce=_chosen_id,
                           validate_choice=False,
                           description=_l("Its ratings are shown beside this one\u2019s, as last year\u2019s"))
    submit = SubmitField(_l("Start the self-assessment"), widget=GovSubmitInput())

    def offer(self, frameworks, earlier) -> "SelfAssessmentForm":
        self.framework.choices = [(f.key, str(f.title)) for f in frameworks]
        self.previous.choices = [(LATEST, _("The latest self-assessment against the same framework")),
                                 (NONE, _("None: do not compare"))] + [
            (a.id, f"{a.period}: {frameworks_title(frameworks, a.framework)}") for a in earlier]
        return self

    def values(self) -> dict:
        return {"framework": self.framework.data, "period": self.period.data, "previous": self.previous.data}


def frameworks_title(frameworks, key: str) -> str:
    return next((str(f.title) for f in frameworks if f.key == key), key)


class RatingForm(BaseForm):
    rating = RadioField(_l("Rating"), widget=GovRadioInput(), choices=[], validate_choice=False)
    evidence = TextAreaField(_l("Evidence"), widget=GovTextArea(),
                             description=_l("What shows the council is at this level, in your own words"))
    links = TextAreaField(_l("Linked from this service (optional)"), widget=GovTextArea(),
                          description=_l("One a line, or parted by commas: an assessment by its reference "
                                         "(EQIA-2026-0001), an action plan (PLAN-7), an activity of the register "
                                         "(ACT-12: the number at the end of its page\u2019s address)"))
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Save the rating"), widget=GovSubmitInput())

    def offer(self, framework) -> "RatingForm":
        self.rating.choices = [(r.key, str(r.label)) for r in framework.ratings] + [("", _("Not rated yet"))]
        return self

    def values(self) -> dict:
        return {"rating": self.rating.data, "evidence": self.evidence.data, "links": self.links.data}


class GapsForm(BaseForm):
    plan = RadioField(_l("Which action plan?"), widget=GovRadioInput(), choices=[], coerce=_chosen_id,
                      validate_choice=False)
    title = StringField(_l("Title of the new plan"), widget=GovTextInput())
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Add the rows to the plan"), widget=GovSubmitInput())

    def offer(self, drafts) -> "GapsForm":
        self.plan.choices = [(NEW_PLAN, _("A new draft plan"))] + [(p.id, p.title) for p in drafts]
        return self

    def values(self) -> dict:
        return {"plan": self.plan.data, "title": self.title.data}
