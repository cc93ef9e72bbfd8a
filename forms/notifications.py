"""How a person wants to hear of each kind of notification: one group of radios a kind."""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms import RadioField

from eqia.forms.base import BaseForm
from eqia.forms.widgets import GovRadioInput
from eqia.notifications.kinds import CHANNELS, KINDS


def field_name(kind: str) -> str:
    return f"channel_{kind}"


def build_preferences_form(chosen: dict[str, str], **kwargs) -> BaseForm:
    """`chosen`: each kind's channel now, shown checked. The service checks what
    comes back (a missing or unknown choice gets its own message). Built for each request, so its
    words (eqia.notifications.kinds') are in the request's language."""
    class PreferencesForm(BaseForm):
        pass

    for code, kind in KINDS.items():
        setattr(PreferencesForm, field_name(code),
                RadioField(_(kind.label), widget=GovRadioInput(), description=_(kind.hint),
                           choices=[(channel, _(label)) for channel, label in CHANNELS.items()],
                           default=chosen.get(code), validate_choice=False))
    return PreferencesForm(**kwargs)
