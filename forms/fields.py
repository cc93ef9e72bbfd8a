"""Fields the GOV.UK widgets need help with."""

from __future__ import annotations

from datetime import date

from flask_babel import LazyString, gettext as _
from wtforms import DateField
from wtforms.validators import Length, ValidationError

from eqia.assessments import shape
from eqia.forms.widgets import DateInput

PARTS = ("day", "month", "year")


def too_long(label: str, limit: int) -> LazyString:
    """Said in the language of the request that is refused (a validator's message is made at import)."""
    return LazyString(lambda: _("%(label)s must be %(limit)s characters or fewer", label=str(label),
                                limit=format(limit, ",")))


def row_values(form, part: str) -> dict:
    """What a row's page posted, by the fields the shape says a page saves: text blank rather than None."""
    items = shape.PART[part].items
    return {f.key: form[f.page].data if f.kind in (shape.DATE, shape.ACCOUNT) else (form[f.page].data or "")
            for f in items.fields if f.edited}


def within_limit(part: str, name: str, label: str) -> Length:
    """The shape's length limit for a field (eqia.assessments.shape), said in the form's words."""
    limit = shape.field(part, name).limit
    return Length(max=limit, message=too_long(label, limit))


def date_missing_parts(label: str, missing: list[str]) -> str:
    # Each combination whole, so a language can say it in its own order.
    words = {
        ("day",): _("%(label)s must include a day", label=str(label)),
        ("month",): _("%(label)s must include a month", label=str(label)),
        ("year",): _("%(label)s must include a year", label=str(label)),
        ("day", "month"): _("%(label)s must include a day and month", label=str(label)),
        ("day", "year"): _("%(label)s must include a day and year", label=str(label)),
        ("month", "year"): _("%(label)s must include a month and year", label=str(label)),
    }
    return words.get(tuple(missing)) or _("%(label)s must include a day, month and year", label=str(label))


def date_not_real(label: str) -> str:
    return _("%(label)s must be a real date", label=str(label))


class GovukDateField(DateField):
    """A day/month/year date.

    The stock widget unpacks exactly three posted values; a form posted with a
    part missing (an old page, a script, a crafted request) would raise inside
    the widget and give a 500. Here the posted parts are always normalised to
    three, and a missing or impossible part becomes a field error with the
    GOV.UK wording. Leave WTForms' Optional() off it: Optional looks only at
    the first part (the day) and would wipe the error for "no day given"."""

    widget = DateInput()

    def __init__(self, label=None, validators=None, *, error_label: str | None = None, **kwargs) -> None:
        super().__init__(label, validators, **kwargs)
        # Kept lazy: the label is said in the language of the request that is refused.
        self.error_label = error_label or self.label.text

    def process_formdata(self, valuelist: list[str]) -> None:
        parts = [str(v).strip() for v in valuelist][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        if not any(parts):
            return
        missing = [name for name, value in zip(PARTS, parts) if not value]
        if missing:
            raise ValueError(date_missing_parts(self.error_label, missing))
        try:
            day, month, year = (int(p) for p in parts)
            if not 1000 <= year <= 9999:
                raise ValueError
            self.data = date(year, month, day)
        except ValueError:
            raise ValueError(date_not_real(self.error_label)) from None


class DateRequired:
    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data is None and not field.errors and not any(field.raw_data or []):
            raise ValidationError(self.message)
