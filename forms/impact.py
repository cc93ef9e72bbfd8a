"""The analysis for one group: impact, the duty's aims, severity, evidence, mitigation."""

from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import Optional

from eqia.characteristics import CharacteristicSet
from eqia.forms.completion import SectionForm
from eqia.forms.guidance import hint
from eqia.forms.fields import within_limit
from eqia.forms.widgets import GovCheckboxesInput, GovRadioInput, GovTextArea


class LenientMultipleField(SelectMultipleField):
    """Checkboxes whose posted values the service checks (so an aim that does not
    apply gets the duty's own message, not "not a valid choice")."""

    def pre_validate(self, form) -> None:
        pass


class IntegerMultipleField(LenientMultipleField):
    def process_formdata(self, valuelist) -> None:
        try:
            self.data = [int(v) for v in valuelist]
        except ValueError:
            self.data = []
            raise ValueError(_("Choose evidence from the list")) from None


def build_impact_form(characteristics: CharacteristicSet, name: str, aims: tuple[str, ...], evidence_items,
                      row=None, **kwargs) -> SectionForm:
    """`row` is the stored analysis: an answer on another scale stays visible."""
    class ImpactForm(SectionForm):
        impact = RadioField(_("What is the likely impact on %(group)s?", group=name), widget=GovRadioInput(),
                            description=hint("impact"),
                            choices=characteristics.choices_keeping("impact", getattr(row, "impact", None)),
                            validators=[Optional()], validate_choice=False)
        aims_relevant = LenientMultipleField(
            _l("Which of the duty's aims is this relevant to?"), widget=GovCheckboxesInput(),
            description=hint("duty_aims"), choices=[(a, characteristics.aims[a]) for a in aims])
        severity = RadioField(_l("If the impact is negative, how severe is it?"), widget=GovRadioInput(),
                              description=hint("severity"),
                              choices=characteristics.choices_keeping("severity", getattr(row, "severity", None)),
                              validators=[Optional()], validate_choice=False)
        evidence_narrative = TextAreaField(_l("Reasons for your judgement"), widget=GovTextArea(),
                                           description=hint("evidence_narrative"),
                                           validators=[Optional(),
                                                       within_limit("characteristics", "evidence_narrative",
                                                                    _l("Reasons"))])
        evidence = IntegerMultipleField(_l("Which evidence supports it?"), widget=GovCheckboxesInput(),
                                        description=hint("cited_evidence"),
                                        choices=[(e.id, f"{e.source}: {e.summary[:120]}") for e in evidence_items])
        no_evidence_reason = TextAreaField(_l("If there is no evidence about this group, why not?"),
                                           widget=GovTextArea(), description=hint("no_evidence_reason"),
                                           validators=[Optional(),
                                                       within_limit("characteristics", "no_evidence_reason",
                                                                    _l("Reason"))])
        mitigation = TextAreaField(_l("Mitigation"), widget=GovTextArea(), description=hint("mitigation"),
                                   validators=[Optional(),
                                               within_limit("characteristics", "mitigation", _l("Mitigation"))])

    return ImpactForm(**kwargs)
