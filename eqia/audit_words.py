"""The words an audit event's facts are read in, written once.

An event stores what happened as data: its action code, the comment its actor
wrote, a kind (what sort of fact it records) and details (the facts, as keys
and values). The History, the PDF's appendix and the interchange export read
it in words through `words`, so the English lives here and nowhere in the rows
(ready for a second language).

Events recorded before the facts were stored (hash form 1) hold their words
whole in their comment, hashed that way: they are read as they were written.
So do the edits and challenge events written in form 2 before their changes
were stored as facts: their details hold no changes, and their comment the words.
"""

from __future__ import annotations

from datetime import date
from typing import Callable, Iterable, Protocol

from babel.dates import get_month_names

from eqia.i18n import current_language
from eqia.workflow.shown import Shown, english

# Every sentence and label below is `Shown`: filled in (`format`), joined (`_joined`) and
# lowered in both languages at once, so what people read on the History and in the PDF is in
# their language, while the interchange export (exported_trail, e.comment) and anything else
# that takes the words as data gets the English, as the record says it.

# What an event's details record (AuditEvent.kind). Any other event has no kind ("").
SIGNATURE = "signature"  # {"content_sha256": the hash of the content record signed}
EDIT = "edit"  # {"section": the section changed, "changes": [each change, as codes and values: see below]}
RESTORE = "restore"  # {"reference", "source", "state", "events", "trail_sha256", "content_sha256"}
# {"round": n, "points": [{"about": task key, "status": a challenge status or "removed", "group"?}]}
CHALLENGE_POINTS = "challenge_points"
# {"round": n, "answers": [{"about": task key, "response": a response or "removed", "group"?}]}
CHALLENGE_ANSWERS = "challenge_answers"
# {"source", "reference" ("" for a new document), "version", "state" ("" if it named none), "document_sha256"}
IMPORT = "import"
REVIEW = "review"  # {"version": the version under review} (a new version started from it)
RESEAL = "reseal"  # {"count", "head"}: the published anchor the trail was checked against
SUPERSEDED = "superseded"  # {"version": the version whose publication superseded this one}
# Progress on an action of a signed plan: {"action": its number in the plan, "status": an action
# progress status, "dated": the ISO date the update is true of, "evidence"?: evidence of completion}
ACTION_UPDATE = "action_update"
# A timed transition taken because the record's date arrived: {"date": the date's name (a field,
# "review_date"), "on": the ISO date it held}
DATE_REACHED = "date_reached"
# Something done to a person's account, not to an assessment: {"user_id", "email", and as the action
# needs them "purpose" (a password link's: reset or invitation), "roles" (role codes)}
ACCOUNT = "account"

# An administrator's change (eqia.admin.trail): {"change": its code, and the ids and values it concerns}
ADMIN = "admin"
# A change to the council's equality programme (eqia.services.activities): {"change": its code, and the ids
# and values it concerns}
PROGRAMME = "programme"

# The hash forms of the chain (eqia.services.audit): 1 hashes the comment as the words
# were written; 2 hashes the actor's own comment, the kind and the details.
WORDS_FORM, FACTS_FORM = 1, 2

CONTENT_NOTE_PREFIX = "Content SHA-256: "
CONTENT_NOTE = Shown("Content SHA-256: {content_sha256}")  # CONTENT_NOTE_PREFIX, then the hash
RESTORED = Shown("Restored {reference}{source}, {state}, with {events} events of its trail (trail SHA-256 "
            "{trail_sha256}) and content SHA-256 {content_sha256}")
FROM_SOURCE = Shown(" from {source}")
REVIEW_OF = Shown("Review of version {version}")
SUPERSEDED_BY = Shown("Version {version} published")
RESEALED = Shown("Head resealed with the current EQIA_AUDIT_KEY; event {count} checked against a published anchor "
            "({head})")
IMPORTED = Shown("Imported{source}: {origin} (document SHA-256 {document_sha256})")
IMPORTED_VERSION = Shown("{reference} version {version}")
A_NEW_DOCUMENT = Shown("a new document")
IN_STATE_THERE = Shown("{origin}, {state} there")
ACTION_PROGRESS = Shown("Action {action}: {status}, as at {dated}")
ACTION_EVIDENCE = Shown("Evidence of completion: {evidence}")
DATE_CAME = Shown("{label} reached: {on}")
ACCOUNT_OF = Shown("Account: {email}")
ACCOUNT_ROLES = Shown("Roles: {roles}")


ADMIN_CHANGES = {
    "directorate_created": Shown("Directorate created: {name}"),
    "directorate_renamed": Shown("Directorate renamed from {from} to {to}"),
    "directorate_retired": Shown("Directorate retired: {name}"),
    "service_created": Shown("Service created: {name}"),
    "service_renamed": Shown("Service renamed from {from} to {to}"),
    "service_retired": Shown("Service retired: {name}"),
    "roles_changed": Shown("Roles of {email} changed from {from} to {to}"),
    "user_directorate_changed": Shown("Directorate of {email} changed from {from} to {to}"),
    "coverage_changed": Shown("Directorates {email} covers as equality lead changed from {from} to {to}"),
    "deactivated": Shown("{email} deactivated: {sessions} sessions ended and {tokens} API tokens revoked"),
    "reactivated": Shown("{email} reactivated"),
    "notifications_retried": Shown("{count} failed notifications put back for delivery"),
}
PROGRAMME_CHANGES = {
    "activity_added": Shown("Activity added to the register: {name}"),
    "activity_changed": Shown("Activity {name} changed: {fields}"),
    "activity_retired": Shown("Activity retired: {name}"),
    "activities_imported": Shown("{count} activities imported into the register"),
    "assessment_linked": Shown("{reference} linked to the activity {name}"),
    "assessment_unlinked": Shown("{reference} unlinked from the activity {name}"),
    "plan_created": Shown("Action plan created: {title}"),
    "plan_row_added": Shown("Row {number} added to the action plan {title}"),
    "plan_row_changed": Shown("Row {number} of the action plan {title} changed: {fields}"),
    "plan_row_removed": Shown("Row {number} removed from the action plan {title}"),
    "plan_rows_imported": Shown("{count} rows imported into the action plan {title}"),
    "plan_moved": Shown("Action plan: {title}"),
    "plan_progress": Shown("Action plan {title}, row {number}: {status}, as at {dated}"),
    "framework_created": Shown("Equality Framework self-assessment started: {period}"),
    "framework_rated": Shown("Self-assessment {period}, criterion {number} rated: {rating}"),
    "framework_gaps_planned": Shown("{count} gaps of the self-assessment {period} added to the action plan {title}"),
    "objective_added": Shown("Service plan objective added: {code}, {title}"),
    "objective_changed": Shown("Service plan objective {code} changed: {fields}"),
    "objective_retired": Shown("Service plan objective retired: {code}, {title}"),
    "action_tagged": Shown("Action {number} of {reference} tagged to the objective {code}"),
    "action_untagged": Shown("Action {number} of {reference} no longer tagged to the objective {code}"),
    "plan_row_tagged": Shown("Row {number} of {reference} tagged to the objective {code}"),
    "plan_row_untagged": Shown("Row {number} of {reference} no longer tagged to the objective {code}"),
    "cumulative_created": Shown("Cumulative judgement on {programme} started: version {version}"),
    "cumulative_changed": Shown("Cumulative judgement on {programme}, version {version}, changed: {fields}"),
    "cumulative_moved": Shown("Cumulative judgement on {programme}, version {version}"),
}
# The register's fields an "activity_changed" names (by these codes).
ACTIVITY_FIELDS = {
    "name": Shown("name"), "kind": Shown("kind"), "directorate_id": Shown("directorate"), "owner": Shown("owner"),
    "relevance": Shown("relevance"), "needs_assessment": Shown("whether it needs an assessment"),
    "assess_by": Shown("assess by"), "notes": Shown("notes"),
    # An action plan's row
    "theme_id": Shown("theme"), "number": Shown("number"), "recommendation": Shown("recommendation"),
    "response": Shown("management response"), "response_reason": Shown("reason"),
    "next_steps": Shown("next steps"), "due_on": Shown("by when"), "due_condition": Shown("by when"),
    "owner_user_id": Shown("by whom"),
    # A service plan objective
    "service_area_id": Shown("service"), "code": Shown("code"), "title": Shown("title"),
    # A cumulative judgement
    "conclusion": Shown("overall conclusion"), "mitigations": Shown("what the council will do"),
    "groups": Shown("the combined effect on groups"), "covered": Shown("the assessments covered"),
}
NONE_LISTED = Shown("none")


def _joined(separator: str, parts: Iterable) -> Shown:
    """The parts joined, in either language (str.join would take each part's English)."""
    parts = list(parts)
    return Shown(separator.join(str.__str__(english(p)) if isinstance(english(p), str) else str(p) for p in parts),
                 lambda: separator.join(str(p) for p in parts))


def _day(value: date) -> Shown:
    """"5 March 2027", its month named in the reader's language."""
    def in_language() -> str:
        return f"{value.day} {get_month_names('wide', locale=current_language())[value.month]} {value.year}"

    said = f"{value.day} {value:%B %Y}"
    return Shown(said, in_language)


def _admin_words(details: dict, changes: dict[str, Shown] = ADMIN_CHANGES) -> str:
    said = {k: (", ".join(map(str, v)) or NONE_LISTED) if isinstance(v, list) else (BLANK if v in ("", None) else v)
            for k, v in details.items()}
    template = changes.get(details.get("change", ""))
    return template.format(**said) if template else details.get("change", "")


# ------------------------------------------------------------ an edit's changes
# Each change an edit records is a dict of codes and values: "change" (what happened), "about" (the
# field, item or section it happened to), and where the words need them "group" (the name of the
# group it concerns, as the assessment names it), "item", "aim", "direction", and "from" and "to"
# (ISO dates: a changed date is spelt out in full, because moving the planned decision date must
# show on the record: regard before decision).
CHANGED, ADDED, REMOVED, MOVED, COMPLETED, IN_PROGRESS = "changed", "added", "removed", "moved", "completed", \
    "in_progress"

# The labels of what an edit changes that only the record names. A section's title and a register
# field's label are the EqIA's own (eqia.assessments.sections, eqia.models), which sit above this
# module (the models import it): the domain lends them (`lend_names`) when it is loaded.
FIELD_LABELS = {
    "relevance": Shown("Relevance"), "conclusion": Shown("Screening conclusion"),
    "proposal": Shown("Proposed conclusion"), "no_consultation_reason": Shown("Reason there was no consultation"),
    "review_date": Shown("Review date"), "intersectional_effects": Shown("Intersectional and cumulative effects"),
    "outcome_justification": Shown("Justification"),
    "outcomes": Shown("Outcome"), "review_next_step": Shown("What happens next after the review"),
    "review_next_step_reason": Shown("Why that happens next"),
}
GROUP_FIELD_LABELS = {
    "impact": Shown("Impact"), "severity": Shown("Severity"), "evidence_narrative": Shown("Reasons for the judgement"),
    "no_evidence_reason": Shown("Why there is no evidence"), "mitigation": Shown("Mitigation"),
    "cited_evidence": Shown("Cited evidence"),
    "actual_impact": Shown("Actual impact"), "evidence_seen": Shown("Evidence of the actual impact"),
}
ITEM_LABELS = {"evidence": Shown("Evidence"), "consultation": Shown("Consultation"), "action": Shown("Action")}
ITEM_FIELD_LABELS = {
    "evidence": {"kind": Shown("Kind"), "source": Shown("Source"), "dated": Shown("Date"), "summary": Shown("Summary"),
                 "link": Shown("Link")},
    "consultation": {"who": Shown("Who"), "held_from": Shown("Start date"), "held_to": Shown("End date"),
                     "method": Shown("How"),
                     "what_they_said": Shown("What they said"), "how_it_changed": Shown("How it changed the proposal")},
    "action": {"description": Shown("Action"), "owner": Shown("Owner"), "due_date": Shown("Due date"),
               "success_measure": Shown("Success measure"), "status": Shown("Status")},
}

CHANGED_WORDS = Shown("{label} changed")
CHANGED_FROM_TO = Shown("{label} changed from {before} to {after}")
BLANK = Shown("(blank)")
IN_GROUP = Shown("{group}: {label}")
AIM_LABEL = Shown("aim ({aim})")
ITEM_FIELD = Shown("{item} {label}")
ITEM_ADDED = Shown("{item} added")
ITEM_REMOVED = Shown("{item} removed")
MOVED_UP, MOVED_DOWN = Shown("Action moved up"), Shown("Action moved down")
GATHERING_ADDED = Shown("Action added to gather evidence about {group}")
GROUP_ADDED = Shown("Group added: {group}")
MARKED_COMPLETED = Shown("{title} marked as completed")
MARKED_IN_PROGRESS = Shown("{title} marked as in progress")
EDIT_SEPARATOR = "; "

_names: dict[str, Callable[[str], str]] = {}


def lend_names(**lookups: Callable[[str], str]) -> None:
    """The domain's names for what the facts name by key: "section_title", "register_field",
    "task_title" (a challenge task), "challenge_status", "challenge_response", "action_status"."""
    _names.update(lookups)


def _name(lookup: str, key: str) -> str:
    try:
        return _names[lookup](key)
    except KeyError:  # not lent (the domain not loaded) or not known: the key is all there is
        return key


def _label(change: dict) -> str:
    about = change["about"]
    if "item" in change:
        label = ITEM_FIELD_LABELS.get(change["item"], {}).get(about, about)
        return ITEM_FIELD.format(item=ITEM_LABELS.get(change["item"], change["item"]), label=label.lower())
    if "group" in change:
        label = AIM_LABEL.format(aim=change["aim"]) if about == "aim" else GROUP_FIELD_LABELS.get(about, about).lower()
        return IN_GROUP.format(group=change["group"], label=label)
    return FIELD_LABELS.get(about) or _name("register_field", about)


def change_words(change: dict) -> str:
    """One change of an edit in words."""
    kind, about = change["change"], change["about"]
    if kind == CHANGED:
        if about == "answer":  # a screening answer is known by its group's name alone
            return CHANGED_WORDS.format(label=change["group"])
        if "from" in change:
            return CHANGED_FROM_TO.format(label=_label(change), before=change["from"] or BLANK,
                                          after=change["to"] or BLANK)
        return CHANGED_WORDS.format(label=_label(change))
    if kind in (COMPLETED, IN_PROGRESS):
        title = change.get("group") or _name("section_title", about)
        return (MARKED_COMPLETED if kind == COMPLETED else MARKED_IN_PROGRESS).format(title=title)
    if kind == MOVED:
        return MOVED_UP if change["direction"] == "up" else MOVED_DOWN
    if about == "gathering_action":
        return GATHERING_ADDED.format(group=change["group"])
    if about == "group":
        return GROUP_ADDED.format(group=change["group"])
    return (ITEM_ADDED if kind == ADDED else ITEM_REMOVED).format(item=ITEM_LABELS.get(about, about))


# ------------------------------------------------------------ challenge points and answers
ROUND = Shown("Round {round}: {points}")
POINT = Shown("{title}: {status}")
POINT_REMOVED = Shown("{title}: removed")
ANSWER_REMOVED = Shown("{title}: answer removed")
REMOVED_POINT = "removed"  # the status or response of a point taken back


def _task(point: dict) -> str:
    return point.get("group") or _name("task_title", point["about"])


def _point_words(point: dict) -> str:
    if "status" in point:
        if point["status"] == REMOVED_POINT:
            return POINT_REMOVED.format(title=_task(point))
        return POINT.format(title=_task(point), status=_name("challenge_status", point["status"]))
    if point["response"] == REMOVED_POINT:
        return ANSWER_REMOVED.format(title=_task(point))
    return POINT.format(title=_task(point), status=_name("challenge_response", point["response"]))


class Recorded(Protocol):
    user_comment: str
    kind: str
    details: dict
    hash_version: int


def notes(kind: str, details: dict) -> list[str]:
    """The sentences a kind of event adds after its actor's own comment."""
    if kind == SIGNATURE:
        return [CONTENT_NOTE.format(**details)]
    if kind == RESTORE:
        source = FROM_SOURCE.format(source=details["source"]) if details["source"] else ""
        return [RESTORED.format(**{**details, "source": source})]
    if kind == REVIEW:
        return [REVIEW_OF.format(**details)]
    if kind == RESEAL:
        return [RESEALED.format(**details)]
    if kind == SUPERSEDED:
        return [SUPERSEDED_BY.format(**details)]
    if kind == IMPORT:
        origin = IMPORTED_VERSION.format(**details) if details["reference"] else A_NEW_DOCUMENT
        if details["state"]:
            origin = IN_STATE_THERE.format(origin=origin, state=details["state"])
        source = FROM_SOURCE.format(source=details["source"]) if details["source"] else ""
        return [IMPORTED.format(source=source, origin=origin, document_sha256=details["document_sha256"])]
    if kind in (CHALLENGE_POINTS, CHALLENGE_ANSWERS):
        points = details.get("points") or details.get("answers") or []
        return [ROUND.format(round=details["round"], points=_joined(EDIT_SEPARATOR, (_point_words(p) for p in points)))]
    if kind == ACTION_UPDATE:
        dated = date.fromisoformat(details["dated"])
        said = [ACTION_PROGRESS.format(action=details["action"], status=_name("action_status", details["status"]),
                                       dated=_day(dated))]
        return said + ([ACTION_EVIDENCE.format(evidence=details["evidence"])] if details.get("evidence") else [])
    if kind == DATE_REACHED:
        on = date.fromisoformat(details["on"])
        return [DATE_CAME.format(label=FIELD_LABELS.get(details["date"], details["date"]), on=_day(on))]
    if kind == ACCOUNT:
        said = [ACCOUNT_OF.format(email=details["email"])]
        return said + ([ACCOUNT_ROLES.format(roles=", ".join(details["roles"]))] if details.get("roles") else [])
    if kind == ADMIN:
        return [_admin_words(details)]
    if kind == PROGRAMME:
        if "fields" in details:
            details = {**details, "fields": _joined(", ", (ACTIVITY_FIELDS.get(f, f) for f in details["fields"]))}
        if details.get("change") == "plan_progress":
            details = {**details, "status": _name("action_status", details["status"]),
                       "dated": _day(date.fromisoformat(details["dated"]))}
        if details.get("change") == "framework_rated":
            details = {**details, "rating": _framework_rating(details)}
        return [_admin_words(details, PROGRAMME_CHANGES)]
    if kind == EDIT and details.get("changes"):
        # An edit recorded before its changes were stored as facts has its words in its comment.
        return [_joined(EDIT_SEPARATOR, (change_words(c) for c in details["changes"]))]
    return []


def _framework_rating(details: dict) -> str:
    """A self-assessment's rating code in words, as its framework names it (the code if it names none)."""
    from eqia.frameworks.definition import frameworks

    framework = frameworks().get(details.get("framework", ""))
    label = framework.rating_labels.get(details.get("rating", "")) if framework else None
    return label if label is not None else (details.get("rating") or NOT_RATED)


NOT_RATED = Shown("not rated")


def words(event: Recorded) -> str:
    """The event's comment as people read it: the actor's own words, then what its facts say."""
    if (event.hash_version or FACTS_FORM) < FACTS_FORM:
        return event.user_comment or ""
    return _joined("\n", filter(None, [event.user_comment, *notes(event.kind or "", event.details or {})]))
