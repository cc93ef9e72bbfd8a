"""The challenge review: a lead's status and comment on each task, and the
author's answer to each point. Built from the assessment's own tasks and
points. Presence and length are checked by eqia.services.challenge, the one
place the rule lives, so every caller is refused in the same words."""

from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from eqia.forms.base import BaseForm
from eqia.forms.widgets import GovRadioInput, GovSubmitInput, GovTextArea
from eqia.models import CHALLENGE_RESPONSES, CHALLENGE_STATUSES
from eqia.services.challenge import AnswerInput, PointInput, field_name


class ReviewForm(BaseForm):
    submit = SubmitField(_l("Save review"), widget=GovSubmitInput())

    def points(self, keys: list[str]) -> dict:
        return {key: PointInput(self[field_name("status", key)].data or None,
                                self[field_name("comment", key)].data or "") for key in keys}


def build_review_form(tasks: list[tuple[str, str]], **kwargs) -> ReviewForm:
    """`tasks` are (key, title) pairs, in the order the lead reads them."""

    class Form(ReviewForm):
        pass

    for key, title in tasks:
        setattr(Form, field_name("status", key), RadioField(
            _("Your view of \u201c%(task)s\u201d", task=title), widget=GovRadioInput(), choices=list(CHALLENGE_STATUSES.items()),
            validators=[Optional()], validate_choice=False))
        setattr(Form, field_name("comment", key), TextAreaField(
            _("Your comment on \u201c%(task)s\u201d", task=title), widget=GovTextArea(), validators=[Optional()],
            description=_l("Needed when it is to correct or could be improved: say what, and why.")))
    return Form(**kwargs)


class AnswersForm(BaseForm):
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Save answers"), widget=GovSubmitInput())

    def answers(self, point_ids: list[int]) -> dict:
        return {pid: AnswerInput(self[field_name("response", str(pid))].data or None,
                                 self[field_name("text", str(pid))].data or "") for pid in point_ids}


def build_answers_form(points: list[tuple[int, str]], **kwargs) -> AnswersForm:
    """`points` are (point id, task title) pairs."""

    class Form(AnswersForm):
        pass

    for point_id, title in points:
        setattr(Form, field_name("response", str(point_id)), RadioField(
            _("Do you accept the point on \u201c%(task)s\u201d?", task=title), widget=GovRadioInput(),
            choices=[(k, _("%(response)s: I have changed the assessment", response=v) if k == "accepted"
                      else _("%(response)s: I will explain why", response=v))
                     for k, v in CHALLENGE_RESPONSES.items()],
            validators=[Optional()], validate_choice=False))
        setattr(Form, field_name("text", str(point_id)), TextAreaField(
            _("What you changed, or why you do not accept it (\u201c%(task)s\u201d)", task=title), widget=GovTextArea(),
            validators=[Optional()],
            description=_l("The equality lead and the decision-maker read this. Be specific.")))
    return Form(**kwargs)
