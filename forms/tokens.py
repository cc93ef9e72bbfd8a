from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from eqia.forms.base import BaseForm
from eqia.forms.widgets import GovSubmitInput, GovTextInput
from eqia.services.tokens import LABEL_MAX, LABEL_MISSING, LABEL_TOO_LONG


class TokenForm(BaseForm):
    label = StringField(_l("Name for the token"), widget=GovTextInput(),
                        description=_l("Say what will use it, so you know which to revoke, for example "
                                       "\u201cCommittee papers system\u201d"),
                        validators=[InputRequired(_l(LABEL_MISSING)),
                                    Length(max=LABEL_MAX, message=_l(LABEL_TOO_LONG))])
    submit = SubmitField(_l("Create token"), widget=GovSubmitInput())
