"""The base every form in the service builds on."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import StringField, TextAreaField

from eqia.services.errors import NUL_REFUSED_SAID as NUL_CHARACTER


class BaseForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            # A page reads a form, never JSON (the API reads JSON, through its own checks): a JSON
            # body is answered as an empty form would be, never parsed here, where a body nested
            # beyond Python's recursion limit would fail the request.
            if request.is_json and not request.form and not request.files:
                return ImmutableMultiDict() if request.method in ("POST", "PUT", "PATCH", "DELETE") else None
            return super().wrap_formdata(form, formdata)

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
