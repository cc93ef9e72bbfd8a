"""The base every form in the service builds on."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from eqia.services.errors import NUL_REFUSED as NUL_CHARACTER


class BaseForm(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # PostgreSQL cannot store a NUL in text. Refusing it with a message keeps
        # the rest of the user's answers on the page instead of failing the save.
        for field in self:
            if isinstance(field, (StringField, TextAreaField)) and isinstance(field.data, str) \
                    and "\x00" in field.data:
                field.errors = [*field.errors, NUL_CHARACTER]
                ok = False
        return ok
