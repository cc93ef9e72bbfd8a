"""The GOV.UK widgets with the words they write themselves in the page's language.

govuk-frontend-wtf writes "Day", "Month" and "Year" under a date; the password
input's "Show"/"Hide" button and its announcements, and the "Error:" a screen
reader hears before a field's error, come from the macros' English defaults: here
each is passed in, translated, so a Welsh page says them in Welsh. The forms take
every GOV.UK widget from this module, never from govuk-frontend-wtf directly."""

from __future__ import annotations

from flask_babel import gettext as _
from govuk_frontend_wtf import wtforms_widgets as gov


class _ErrorWords:
    """The visually hidden word before a field's error message, in the page's language."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if isinstance(params.get("errorMessage"), dict):
            params["errorMessage"].setdefault("visuallyHiddenText", _("Error"))
        return params


class GovCheckboxInput(_ErrorWords, gov.GovCheckboxInput):
    pass


class GovCheckboxesInput(_ErrorWords, gov.GovCheckboxesInput):
    pass


class GovRadioInput(_ErrorWords, gov.GovRadioInput):
    pass


class GovSelect(_ErrorWords, gov.GovSelect):
    pass


class GovTextArea(_ErrorWords, gov.GovTextArea):
    pass


class GovTextInput(_ErrorWords, gov.GovTextInput):
    pass


GovSubmitInput = gov.GovSubmitInput  # a button: it shows no error


class DateInput(_ErrorWords, gov.GovDateInput):
    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        for item, word in zip(params["items"], (_("Day"), _("Month"), _("Year"))):
            item["label"] = word
        return params


class PasswordInput(_ErrorWords, gov.GovPasswordInput):
    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("showPasswordText", _("Show"))
        params.setdefault("hidePasswordText", _("Hide"))
        params.setdefault("showPasswordAriaLabelText", _("Show password"))
        params.setdefault("hidePasswordAriaLabelText", _("Hide password"))
        params.setdefault("passwordShownAnnouncementText", _("Your password is visible"))
        params.setdefault("passwordHiddenAnnouncementText", _("Your password is hidden"))
        return params
