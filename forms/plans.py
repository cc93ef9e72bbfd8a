"""An action plan's forms. What a value must be is the plan service's to say
(eqia.services.plans): these parse what was posted, and refuse only what cannot
be parsed."""

from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from eqia.forms.admin import posted_id
from eqia.forms.base import BaseForm
from eqia.forms.fields import GovukDateField
from eqia.forms.programme import CHOOSE
from eqia.forms.widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from eqia.models import RESPONSES

NOT_YET = _l("Not given yet")


class PlanForm(BaseForm):
    title = StringField(_l("Title of the plan"), widget=GovTextInput(),
                        description=_l("For example, \u201cEquality Peer Challenge action plan 2026 to 2028\u201d"))
    source = TextAreaField(_l("What does the plan answer? (optional)"), widget=GovTextArea(),
                           description=_l("The peer challenge, self-assessment or review its recommendations come "
                                          "from, and when"))
    submit = SubmitField(_l("Make the plan"), widget=GovSubmitInput())

    def values(self) -> dict:
        return {"title": self.title.data, "source": self.source.data}


class RowForm(BaseForm):
    theme_id = SelectField(_l("Theme"), widget=GovSelect(), coerce=posted_id, choices=[], validate_choice=False)
    number = StringField(_l("Number (optional)"), widget=GovTextInput(),
                         description=_l("The recommendation\u2019s own number, for example R7"))
    recommendation = TextAreaField(_l("Recommendation"), widget=GovTextArea())
    response = RadioField(_l("Management response"), widget=GovRadioInput(),
                          choices=[*RESPONSES.items(), ("", NOT_YET)], validate_choice=False)
    response_reason = TextAreaField(_l("Response in full"), widget=GovTextArea(),
                                    description=_l("The council\u2019s answer in its own words: needed, with the "
                                                   "reason, where the recommendation is not agreed in full"))
    next_steps = TextAreaField(_l("Next steps"), widget=GovTextArea())
    due_on = GovukDateField(_l("By when: a date"), error_label=_l("By when"),
                            description=_l("For example, 31 3 2027. Or leave it and give a condition below."))
    due_condition = StringField(_l("By when: a condition"), widget=GovTextInput(),
                                description=_l("For example, \u201cafter the Census release\u201d"))
    owner = StringField(_l("By whom"), widget=GovTextInput(), description=_l("A person, post or team"))
    owner_user_id = SelectField(_l("Their account (optional)"), widget=GovSelect(), coerce=posted_id, choices=[],
                                validate_choice=False,
                                description=_l("Someone with an account can record progress on this row once "
                                               "the plan is adopted"))
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def offer(self, themes, people) -> "RowForm":
        self.theme_id.choices = [("", _(CHOOSE))] + [(t.id, str(t.shown_title)) for t in themes]
        self.owner_user_id.choices = [("", _("Nobody with an account"))] + [
            (p.id, f"{p.name} ({p.email})") for p in people]
        return self

    def values(self) -> dict:
        return {key: getattr(self, key).data for key in (
            "theme_id", "number", "recommendation", "response", "response_reason", "next_steps", "due_on",
            "due_condition", "owner", "owner_user_id")}


class RowsImportForm(BaseForm):
    # Shown with GOV.UK's file upload component by the page (no WTForms widget for it).
    file = FileField(_l("Spreadsheet (.xlsx or .csv)"))
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Import recommendations"), widget=GovSubmitInput())


class ReportForm(BaseForm):
    """The progress report's one choice, sent as a query string: the report is read, nothing is written."""

    class Meta:
        csrf = False

    period = StringField(_l("Period the report covers (optional)"), widget=GovTextInput(),
                         description=_l("Shown under the report\u2019s title. For example, \u201cQuarter 2, "
                                        "2026 to 2027\u201d"))
