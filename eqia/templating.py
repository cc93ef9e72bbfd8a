"""Template globals and filters: how values look on a page, defined once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask, current_app, request
from flask_babel import gettext as _, ngettext
from markupsafe import Markup, escape
from flask_login import current_user

from eqia.audit_words import EDIT
from eqia.bar_charts import stacked_bars
from eqia.forms.guidance import GUIDANCE
from eqia.models import (
    ACTION_STATUSES,
    CHALLENGE_RESPONSES,
    CHALLENGE_STATUSES,
    EVIDENCE_KINDS,
    OUTCOMES,
    SCREENING_PROPOSALS,
)
from eqia.assessments.shape import REGISTER_FIELDS
from eqia.loaded_definitions import characteristics, definition_for, profile_for
from eqia.roles import ROLE_LABELS
from eqia.i18n import current_language, govuk_date, govuk_datetime  # noqa: F401  (the templates' filters)
from eqia.assessments.sections import is_web_link
from eqia.views.pages import page_url


def evidence_citation(item) -> str:
    """A piece of evidence as an impact cites it, on pages and in the PDF: its source and date."""
    return f"{item.source}, {govuk_date(item.dated)}" if item.dated else item.source


def utc_iso(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def waited(delta: timedelta) -> str:
    """How long something has waited, as a person would say it."""
    days = delta.days
    if days >= 14:
        return ngettext("%(num)d week", "%(num)d weeks", days // 7)
    if days >= 1:
        return ngettext("%(num)d day", "%(num)d days", days)
    hours = delta.seconds // 3600
    return ngettext("%(num)d hour", "%(num)d hours", hours) if hours else _("Less than an hour")


def multiline(value: str | None) -> Markup:
    """Text as the author wrote it: escaped, with its line breaks kept."""
    if value is None or not str(value).strip():
        return Markup("")
    return Markup("<br>").join(escape(line) for line in str(value).splitlines())


def css_string(value) -> Markup:
    """Text safe inside a double-quoted CSS string in a <style> element (the
    PDF's running header). HTML entities mean nothing there, so anything that
    could end the string or the element is written as a CSS escape instead."""
    out = []
    for ch in str(value):
        if ch in "\"\\<>&'" or ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup("".join(out))


def summary_row(label: str, value, href: str | None = None) -> dict:
    """A GOV.UK summary-list row: plain text is escaped, Markup kept, an empty
    answer shown as "Not answered", and a Change link when `href` is given."""
    shown = value if str(value or "").strip() else _("Not answered")
    row = {"key": {"text": label}, "value": {"html": escape(shown)}}
    if href:
        row["actions"] = {"items": [{"href": href, "text": _("Change"), "visuallyHiddenText": str(label).lower()}]}
    return row


def fix_url(problem, assessment) -> str:
    """Where to put right a problem the workflow found: its page and field."""
    if not problem.page:
        return ""
    return page_url(problem.page, assessment.id, problem.args) + (f"#{problem.field}" if problem.field else "")


def event_label(event, definition) -> str:
    """What an audit event did, in words: on the History table and in the PDF's appendix."""
    from eqia.interchange.importer import IMPORT_ACTION
    from eqia.services.audit import RESTORE_ACTION
    from eqia.services.challenge import ANSWERS_ACTION
    from eqia.services.workflow import CHALLENGE_POINTS_ACTION

    if event.action in definition.transitions:
        return definition.transitions[event.action].label
    if event.action in definition.rights:  # a right taken without moving the state (an action updated)
        return definition.rights[event.action].label
    named = {"create": _("Started"), "create_version": _("Review started as a new version"),
             CHALLENGE_POINTS_ACTION: _("Challenge points recorded"), ANSWERS_ACTION: _("Challenge points answered"),
             IMPORT_ACTION: _("Started from an imported file"), RESTORE_ACTION: _("Restored from a file")}
    if event.action in named:
        return named[event.action]
    if event.kind == EDIT:
        # The section by the words of its code ("register details"), as the record names it.
        return _("Changed %(section)s", section=event.details["section"].replace("_", " "))
    return event.action


def justification_heading(summary) -> str:
    """What the justification in a summary is for: continuing despite an adverse
    impact only when that is the outcome chosen, else the outcomes it explains."""
    if summary.continues_despite_adverse:
        return _("Justification for continuing despite adverse impact")
    if summary.outcomes:
        # str(): a label is Shown, and join would take its English.
        return _("Justification for the outcome (%(outcomes)s)",
                 outcomes=", ".join(str(OUTCOMES.get(o, o)) for o in summary.outcomes))
    return _("Justification (no outcome chosen yet)")


def state_tag(assessment) -> dict:
    state = definition_for(assessment).states[assessment.state]
    classes = "" if state.tag == "blue" else f"govuk-tag--{state.tag}"
    return {"text": state.label, "classes": classes}


UNREAD_KEY = "eqia.unread_notifications"


def unread_notifications() -> int:
    """The signed-in person's unread notifications, for the header: one COUNT a request, only when a page asks."""
    from eqia.notifications.inbox import unread_count

    if not current_user.is_authenticated:
        return 0
    # Kept in the request's environ: per request whatever app context it runs in.
    if UNREAD_KEY not in request.environ:
        request.environ[UNREAD_KEY] = unread_count(current_user)
    return request.environ[UNREAD_KEY]


def init_app(app: Flask) -> None:
    app.add_template_filter(govuk_date, "govuk_date")
    app.add_template_filter(govuk_datetime, "govuk_datetime")
    app.add_template_filter(utc_iso, "utc_iso")
    app.add_template_filter(evidence_citation, "evidence_citation")
    app.add_template_filter(multiline, "multiline")
    app.add_template_filter(css_string, "css_string")
    app.add_template_global(state_tag, "state_tag")
    app.add_template_global(justification_heading, "justification_heading")
    app.add_template_global(event_label, "event_label")
    app.add_template_global(waited, "waited")
    app.add_template_global(unread_notifications, "unread_notifications")
    app.add_template_global(summary_row, "summary_row")
    app.add_template_global(fix_url, "fix_url")
    app.add_template_global(page_url, "page_url")
    app.add_template_global(stacked_bars, "stacked_bars")
    # Only an http(s) address with a host is ever a live link (a provenance address, say).
    app.add_template_global(is_web_link, "is_web_link")
    app.add_template_global(definition_for, "definition_for")
    app.add_template_global(profile_for, "profile_for")
    # A group's stored name ("Age") in the reader's language where it is the profile's own.
    app.add_template_global(lambda label: characteristics().group_name(label), "group_name")
    app.add_template_filter(lambda label: characteristics().group_name(label), "group_name")
    from eqia.services.challenge import task_title

    app.add_template_global(task_title, "challenge_task_title")
    from eqia.services.review_outcomes import next_step_words, side_by_side

    app.add_template_global(side_by_side, "review_side_by_side")
    app.add_template_global(next_step_words, "review_next_step_words")
    # Globals rather than context, so that macros imported without context see them too.
    for name, value in {"guidance": GUIDANCE, "evidence_kinds": EVIDENCE_KINDS, "action_statuses": ACTION_STATUSES,
                        "outcome_labels": OUTCOMES, "screening_proposals": SCREENING_PROPOSALS,
                        "challenge_statuses": CHALLENGE_STATUSES, "challenge_responses": CHALLENGE_RESPONSES}.items():
        app.add_template_global(value, name)

    @app.context_processor
    def globals_for_pages() -> dict:
        return {
            "council_name": current_app.config["EQIA_COUNCIL_NAME"],
            "role_labels": ROLE_LABELS,
            "activity_kinds": characteristics().activity_kinds,
            "register_fields": REGISTER_FIELDS,
            "characteristic_set": characteristics(),
            "current_user": current_user,
        }
