"""The golden thread's forms: an objective, and a tag. What a value must be is the service's to say
(eqia.services.golden_thread): these parse what was posted, and refuse only what cannot be parsed."""

from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, SubmitField

from eqia.forms.admin import posted_id
from eqia.forms.base import BaseForm
from eqia.forms.programme import CHOOSE
from eqia.forms.widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from eqia.models import OBJECTIVE_KINDS


class ObjectiveForm(BaseForm):
    service_area_id = SelectField(_l("Service"), widget=GovSelect(), coerce=posted_id, choices=[],
                                  validate_choice=False)
    kind = RadioField(_l("What is it?"), widget=GovRadioInput(), choices=list(OBJECTIVE_KINDS.items()),
                      validate_choice=False)
    code = StringField(_l("Code"), widget=GovTextInput(),
                       description=_l("As the service plan or performance system gives it, for example ASC-PI-07"))
    title = StringField(_l("Title"), widget=GovTextInput(),
                        description=_l("For example, \u201cPeople still at home 91 days after reablement\u201d"))
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def offer(self, services, current=None) -> "ObjectiveForm":
        """The services in use, each with its directorate (keeping a retired one the objective already has)."""
        kept = list(services)
        if current is not None and current.retired:
            kept.append(current)
        self.service_area_id.choices = [("", _(CHOOSE))] + [
            (s.id, f"{s.directorate.name}: {s.name}") for s in kept]
        return self

    def values(self) -> dict:
        return {"service_area_id": self.service_area_id.data, "kind": self.kind.data, "code": self.code.data,
                "title": self.title.data}


class TagForm(BaseForm):
    objective_id = SelectField(_l("Tag to a service plan objective or indicator"), widget=GovSelect(),
                               coerce=posted_id, choices=[], validate_choice=False)
    submit = SubmitField(_l("Add tag"), widget=GovSubmitInput())

    def offer(self, objectives) -> "TagForm":
        self.objective_id.choices = [("", _(CHOOSE))] + [
            (o.id, f"{service}: {o.code}, {o.title}") for o, service in objectives]
        return self
