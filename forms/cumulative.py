"""The cumulative judgement's forms: its words (one box a group the side by side
shows, the overall conclusion, what the council will do) and starting one for a
programme. The limits are the service's (eqia.services.cumulative_judgements),
said in its words, so a box too long is refused here with what was typed kept."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import HiddenInput

from eqia.forms.base import BaseForm
from eqia.forms.widgets import GovSubmitInput, GovTextArea
from eqia.models.cumulative import JUDGEMENT_TEXT_MAX
from eqia.services.cumulative_judgements import TEXT_TOO_LONG

GROUP_PREFIX = "group-"  # the service names a group's problem by this field: group-<key>


def _text(label, description=None) -> TextAreaField:
    return TextAreaField(label, widget=GovTextArea(), description=description,
                         validators=[Optional(), Length(max=JUDGEMENT_TEXT_MAX, message=_l(TEXT_TOO_LONG))])


class JudgementForm(BaseForm):
    conclusion = _text(_l("Overall conclusion"),
                       _l("What the programme\u2019s proposals add up to for the people they affect, taken together"))
    mitigations = _text(_l("What the council will do"),
                        _l("The mitigations, and how the combined effect will be monitored"))
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Save the judgement"), widget=GovSubmitInput())

    group_keys: tuple[str, ...] = ()

    def values(self) -> dict:
        return {"conclusion": self.conclusion.data, "mitigations": self.mitigations.data,
                "groups": {key: self[GROUP_PREFIX + key].data for key in self.group_keys}}


def judgement_form(groups, **kwargs) -> JudgementForm:
    """The form with a box for each group (eqia.services.heat_map.Group) the side by side shows now."""
    fields = {GROUP_PREFIX + g.key: _text(g.name) for g in groups}
    form_class = type("GroupsJudgementForm", (JudgementForm,),
                      {**fields, "group_keys": tuple(g.key for g in groups)})
    return form_class(**kwargs)


class StartJudgementForm(BaseForm):
    programme = HiddenField()
    submit = SubmitField(_l("Write the cumulative judgement"), widget=GovSubmitInput())
