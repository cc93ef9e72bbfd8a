"""Register details: what is being decided, by whom, and when."""

from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import HiddenInput

from eqia.forms.base import BaseForm
from eqia.forms.completion import SectionForm
from eqia.forms.fields import GovukDateField, within_limit
from eqia.forms.guidance import hint
from eqia.assessments.shape import REGISTER_FIELDS
from eqia.forms.widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from eqia.loaded_definitions import characteristics
from eqia.assessments.sections import DECISION_BEFORE_REGARD


def _directorate_id(value) -> int | None:
    """The posted directorate as a number; anything else is no directorate (the
    service then says "Select a directorate from the list")."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


PROGRAMME_TWICE = _l("Choose an existing programme or enter a new one, not both")


class RegisterDetailsForm(BaseForm):
    """Drafts save with only a title and directorate: the rest is required by the
    workflow before the assessment can move on, not before it can be saved."""

    title = StringField(_l("Title of the activity"), widget=GovTextInput(),
                        description=_l("Name the policy, service, budget proposal or decision being assessed."),
                        validators=[InputRequired(_l("Enter the title of the activity being assessed")),
                                    within_limit("register_details", "title", _l("Title"))])
    # Choices are checked by the service (UNKNOWN_DIRECTORATE, OWN_DIRECTORATE_ONLY), in its own words.
    directorate_id = SelectField(_l("Directorate"), coerce=_directorate_id, validate_choice=False, widget=GovSelect(),
                                 description=hint("directorate"),
                                 validators=[InputRequired(_l("Select a directorate from the list"))])
    service = StringField(_l("Service"), widget=GovTextInput(), description=hint("service"),
                          validators=[Optional(), within_limit("register_details", "service", _l("Service"))])
    lead_officer = StringField(_l("Lead officer"), widget=GovTextInput(),
                               description=_l("The person responsible for this assessment."),
                               validators=[Optional(),
                                           within_limit("register_details", "lead_officer", _l("Lead officer"))])
    activity_kind = SelectField(_l("Kind of activity"), widget=GovSelect(), description=hint("activity_kind"),
                                validate_choice=False,
                                validators=[Optional()])
    aims = TextAreaField(_l("Aims of the activity"), widget=GovTextArea(), description=hint("aims"),
                         validators=[Optional(), within_limit("register_details", "aims", _l("Aims"))])
    people_affected = TextAreaField(_l("Who is affected"), widget=GovTextArea(), description=hint("people_affected"),
                                    validators=[Optional(), within_limit("register_details", "people_affected",
                                                                         _l("Who is affected"))])
    decision_maker = StringField(_l("Decision-maker"), widget=GovTextInput(),
                                 description=_l("The person who will take the decision, for example the Cabinet Member "
                                                "for Adult Social Care."),
                                 validators=[Optional(),
                                             within_limit("register_details", "decision_maker",
                                                          _l("Decision-maker"))])
    decision_forum = StringField(_l("Where the decision will be made"), widget=GovTextInput(),
                                 description=_l("For example Cabinet, a committee, or an officer decision."),
                                 validators=[Optional(), within_limit("register_details", "decision_forum",
                                                                      _l("Where the decision will be made"))])
    due_regard_started_on = GovukDateField(_l("Date due regard started"), error_label=_l("Date due regard started"),
                                           description=_l("When the council started thinking about equality for this "
                                                          "activity. For example, 27 3 2026."))
    planned_decision_date = GovukDateField(_l("Planned decision date"), error_label=_l("Planned decision date"),
                                           description=_l("Due regard must be paid before this date. For example, "
                                                          "14 7 2026."))
    existing_programme = SelectField(_l("Parent programme (optional)"), widget=GovSelect(), validators=[Optional()],
                                     description=_l("A wider programme this is part of, so effects on the same people "
                                                    "can be seen together."))
    parent_programme = StringField(_l("Or enter a new programme"), widget=GovTextInput(),
                                   validators=[Optional(),
                                               within_limit("register_details", "parent_programme",
                                                            _l("Parent programme"))])
    lock_version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Save and continue"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The deployment's own kinds (the configured profile), checked again by the service.
        self.activity_kind.choices = [("", _("Select the kind of activity")),
                                      *characteristics().activity_kinds.items()]

    def validate_planned_decision_date(self, field) -> None:
        if field.data and self.due_regard_started_on.data and field.data < self.due_regard_started_on.data:
            raise ValidationError(DECISION_BEFORE_REGARD)

    def set_programmes(self, names: list[str]) -> None:
        self.existing_programme.choices = [("", _("Not part of a programme, or a new one"))] + [(n, n) for n in names]
        if self.parent_programme.data in names and not self.existing_programme.data:
            self.existing_programme.data, self.parent_programme.data = self.parent_programme.data, ""

    def validate_parent_programme(self, field) -> None:
        chosen = self.existing_programme.data or ""
        if chosen and field.data and field.data.strip() != chosen:
            raise ValidationError(PROGRAMME_TWICE)

    def details(self) -> dict:
        """The cleaned values, keyed as the service expects."""
        values = {name: getattr(self, name).data for name in REGISTER_FIELDS}
        values["parent_programme"] = (self.parent_programme.data or "").strip() or self.existing_programme.data or ""
        for name, value in values.items():
            if value is None and name not in ("due_regard_started_on", "planned_decision_date", "directorate_id"):
                values[name] = ""
        values["activity_kind"] = values["activity_kind"] or None
        return values


class RegisterDetailsEditForm(RegisterDetailsForm, SectionForm):
    """Changing the details of a started assessment ends with the completion question."""
