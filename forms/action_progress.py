"""Progress on an action of a signed plan: its status now, a note, evidence of completion, the date."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from eqia.forms.base import BaseForm
from eqia.forms.fields import GovukDateField, too_long
from eqia.forms.widgets import GovRadioInput, GovTextArea, GovTextInput
from eqia.models import ACTION_PROGRESS_STATUSES
from eqia.services.action_progress import EVIDENCE_MAX, NOTE_MAX


class ActionProgressForm(BaseForm):
    # The service says what is missing (a status; a reason for dropping), for the API and the page alike.
    status = RadioField(_l("What is the action\u2019s status now?"), widget=GovRadioInput(),
                        choices=list(ACTION_PROGRESS_STATUSES.items()), validators=[Optional()],
                        validate_choice=False)
    note = TextAreaField(_l("Progress note"), widget=GovTextArea(),
                         description=_l("What has been done since the last update. If the action was dropped, "
                                        "say why."),
                         validators=[Optional(), Length(max=NOTE_MAX, message=too_long(_l("Progress note"), NOTE_MAX))])
    evidence = StringField(_l("Evidence of completion (optional)"), widget=GovTextInput(),
                           description=_l("A link to a report, or where the evidence is kept."),
                           validators=[Optional(), Length(max=EVIDENCE_MAX,
                                                          message=too_long(_l("Evidence of completion"), EVIDENCE_MAX))])
    dated = GovukDateField(_l("Date of this update"), error_label=_l("Date of this update"),
                           description=_l("The date the status was true. For example, 27 3 2026."))
