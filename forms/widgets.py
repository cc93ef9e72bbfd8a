"""The GOV.UK widgets with the words they write themselves in the page's language.

govuk-frontend-wtf writes "Day", "Month" and "Year" under a date, and the password
input's "Show"/"Hide" button and its announcements come from the macro's English
defaults: here each is passed in, translated, so a Welsh page says them in Welsh."""

from __future__ import annotations

from flask_babel import gettext as _
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovPasswordInput


class DateInput(GovDateInput):
    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        for item, word in zip(params["items"], (_("Day"), _("Month"), _("Year"))):
            item["label"] = word
        return params


class PasswordInput(GovPasswordInput):
    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("showPasswordText", _("Show"))
        params.setdefault("hidePasswordText", _("Hide"))
        params.setdefault("showPasswordAriaLabelText", _("Show password"))
        params.setdefault("hidePasswordAriaLabelText", _("Hide password"))
        params.setdefault("passwordShownAnnouncementText", _("Your password is visible"))
        params.setdefault("passwordHiddenAnnouncementText", _("Your password is hidden"))
        return params
