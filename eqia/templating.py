"""Template globals and filters: how values look on a page, defined once."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app
from flask_login import current_user

from eqia.models import ACTIVITY_KINDS, REGISTER_FIELDS
from eqia.registry import characteristics, definition_for
from eqia.roles import ROLE_LABELS
from eqia.workflow.rules import LOCAL_ZONE


def govuk_date(value: date | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def govuk_datetime(value: datetime | None) -> str:
    """Local time for people; the UTC instant stays in the record and the audit trail."""
    if value is None:
        return ""
    local = value.astimezone(LOCAL_ZONE)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def utc_iso(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def state_tag(assessment) -> dict:
    state = definition_for(assessment).states[assessment.state]
    classes = "" if state.tag == "blue" else f"govuk-tag--{state.tag}"
    return {"text": state.label, "classes": classes}


def init_app(app: Flask) -> None:
    app.add_template_filter(govuk_date, "govuk_date")
    app.add_template_filter(govuk_datetime, "govuk_datetime")
    app.add_template_filter(utc_iso, "utc_iso")
    app.add_template_global(state_tag, "state_tag")
    app.add_template_global(definition_for, "definition_for")

    @app.context_processor
    def globals_for_pages() -> dict:
        return {
            "council_name": current_app.config["EQIA_COUNCIL_NAME"],
            "role_labels": ROLE_LABELS,
            "activity_kinds": ACTIVITY_KINDS,
            "register_fields": REGISTER_FIELDS,
            "characteristic_set": characteristics(),
            "current_user": current_user,
        }
