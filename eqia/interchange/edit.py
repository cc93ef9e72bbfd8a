"""Editing an assessment's content with an interchange document (PUT /api/v1/assessments/{id}).

The document says what the content should be; each part that differs is saved
through the same service function a page saves it with (register details,
screening, each evidence item, each group's analysis, ...), so every rule of
the pages holds: who may edit in which state, which sections are open, the
choices and dates each field accepts, the audit entry, and a section's
"completed" mark going when its content changes. The saves are one
transaction because none of them commits (eqia/unit_of_work.py): the request
commits once at its end, and the first refusal rolls every save back, so the
document is saved whole or not at all.

What an edit cannot change (the state, the challenge ledger, signatures, the
trail, the groups the assessment considers) must be sent as it is, or left
out; a changed value there is refused, never silently dropped.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eqia.assessments.shape import (ACCOUNT, ACTION_PLAN, CONSULTATION, DATE, EVIDENCE, REGISTER, REVIEW, Field, Items,
                                   dates)
from eqia.admin import directorates
from eqia.extensions import db
from eqia.interchange.exporter import CONTENT_KEYS, export, path_of
from eqia.interchange.importer import BadDocument, DocumentProblem, aims_said, check
from eqia.models import Assessment, Directorate
from eqia.services import assessments as register
from eqia.services import action_owners, content, review_outcomes
from eqia.services.assessments import KEEP, ScreeningInput, get_visible
from eqia.services.errors import Conflict, Invalid
from eqia.services.workflow import STALE, lock_assessment
from eqia.unit_of_work import service_step, undo_step

# Besides the content: the sections marked completed ("Have you completed this section?").
EDITABLE = ("format", "completions")
# A review version's look back at the version it follows (only a version that follows another has it).
REVIEW_KEY = REVIEW.interchange
# The pages' field names, as paths in the document.
FIELD_PATHS = {"aims_relevant": "aims", "evidence": "evidence_cited", "answer_": "affects",
               "advances_": "advances_equality"}


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


class _Saves:
    """The service calls, each with the lock version the one before it left."""

    def __init__(self, assessment_id: int, user) -> None:
        self.id, self.user = assessment_id, user
        self.lock = db.session.get(Assessment, assessment_id).lock_version

    def __call__(self, path: str, save, *args, **kwargs):
        """One save, given every argument but the lock version; its refusals as paths in the document."""
        try:
            assessment, _ = save(*args, lock_version=self.lock, **kwargs)
        except Invalid as error:
            # A section's checks (marking it completed) name their page: the same place in the document the
            # API names for a refused action; a save's own refusal names a field under what it saved.
            current = db.session.get(Assessment, self.id)
            raise BadDocument([DocumentProblem(path_of(current, p) if p.page else _path(path, p.field), p.message)
                               for p in error.problems]) from None
        self.lock = assessment.lock_version
        return assessment


def _path(prefix: str, field: str) -> str:
    if not field:
        return prefix
    for page_name, name in FIELD_PATHS.items():
        if field == page_name or (page_name.endswith("_") and field.startswith(page_name)):
            return f"{prefix}.{name}"
    return f"{prefix}.{field}"


def _read_only(doc: dict, current: dict) -> list[DocumentProblem]:
    problems = [DocumentProblem(f"$.{key}", "cannot be changed by editing the content (actions move the state; "
                                "the ledger, signatures and trail are the service's record): send it as it is, "
                                "or leave it out")
                for key in doc if key not in (*CONTENT_KEYS, *EDITABLE, REVIEW_KEY) and doc[key] != current.get(key)]
    groups = lambda rows: [(r["characteristic"], r["label"]) for r in rows]  # noqa: E731
    if groups(doc["characteristics"]) != groups(current["characteristics"]) or \
            groups(doc["screening"]["answers"]) != groups(current["screening"]["answers"]):
        problems.append(DocumentProblem("$.characteristics", "must name the groups the assessment already "
                                        "considers, in the same order: editing cannot add or remove a group"))
    for n, (new, old) in enumerate(zip(doc["screening"]["answers"], current["screening"]["answers"])):
        if new["advances_reason"] != old["advances_reason"]:
            problems.append(DocumentProblem(f"$.screening.answers[{n}].advances_reason", "is not asked on the "
                                            "screening page, so it cannot be changed"))
    for n, (new, old) in enumerate(zip(doc["action_plan"]["items"], current["action_plan"]["items"])):
        if new["characteristic"] != old["characteristic"]:
            problems.append(DocumentProblem(f"$.action_plan.items[{n}].characteristic", "is set when an action is "
                                            "added to gather evidence for a group, and cannot be changed"))
    for n, new in enumerate(doc["action_plan"]["items"][len(current["action_plan"]["items"]):],
                            start=len(current["action_plan"]["items"])):
        if new["characteristic"] is not None:
            problems.append(DocumentProblem(f"$.action_plan.items[{n}].characteristic", "must be null for a new "
                                            "action (the group's page adds an action to gather its evidence)"))
    return problems


def _register_details(doc: dict) -> dict[str, Any]:
    details = dict(doc["register_details"])
    name = details.pop("directorate")
    directorate = directorates.by_name(name)
    if directorate is None:
        raise BadDocument([DocumentProblem("$.register_details.directorate", f"There is no directorate called "
                                           f"{name!r} here")])
    details["directorate_id"] = directorate.id
    for name in dates(REGISTER.fields):
        details[name] = _day(details[name])
    return details


def _item_values(item: dict, items: Items) -> dict[str, Any]:
    """A row of the document as its page saves it: the fields a page changes (not the evidence's number,
    nor an action's group), dates as dates."""
    edited = {f.interchange: f for f in items.fields if f.edited}
    return {edited[k].key: _edited_value(edited[k], v) for k, v in item.items() if k in edited}


def _edited_value(field: Field, value: Any) -> Any:
    if field.kind == DATE:
        return _day(value)
    if field.kind == ACCOUNT:  # by address, as the import links it
        account = action_owners.account_by_email(value)
        return account.id if account is not None else None
    return value


def _list(saves: _Saves, kind, path: str, new: list[dict], old: list[dict], items: Items) -> None:
    """Items by position: changed ones saved, new ones added, the rest removed from the end."""
    for n, item in enumerate(new):
        if n < len(old) and item == old[n]:
            continue
        rows = getattr(db.session.get(Assessment, saves.id), kind.collection)
        saves(f"{path}[{n}]", content.save_item, kind, saves.id, saves.user, item_id=rows[n].id if n < len(old)
              else None, values=_item_values(item, items))
    for _ in range(len(old) - len(new)):
        rows = getattr(db.session.get(Assessment, saves.id), kind.collection)
        saves(path, content.remove_item, kind, saves.id, saves.user, item_id=rows[-1].id)


@service_step
def replace_content(assessment_id: int, user, lock_version: int, doc: Any) -> Assessment:
    """Make the assessment's content what `doc` says, as `user`, if the lock
    version they read is still the current one."""
    problems = check(doc)
    if problems:
        raise BadDocument(problems)
    assessment = get_visible(assessment_id, user)
    if assessment.lock_version != lock_version:
        raise Conflict(assessment, STALE)  # before anything else: what was read is out of date
    current = export(assessment)
    problems = _read_only(doc, current)
    if problems:
        raise BadDocument(problems)
    try:
        locked = lock_assessment(assessment_id)
        if locked.lock_version != lock_version:
            raise Conflict(locked, STALE)
        register.check_editable(user, locked)
        changed = [key for key in CONTENT_KEYS if doc[key] != current[key]]
        reviewed = REVIEW_KEY in doc and doc[REVIEW_KEY] != current.get(REVIEW_KEY)
        marked = _marks(doc, current)
        if not changed and not marked and not reviewed:
            return locked
        saves = _Saves(assessment_id, user)
        if "register_details" in changed:
            saves("$.register_details", register.update_register_details, assessment_id, user,
                  details=_register_details(doc))
        # The review date is one column: while the action plan is not open yet (in screening), it is the
        # date a proposed screen-out should be reviewed, and the screening page is where it is written.
        review_date_changed = doc["action_plan"]["review_date"] != current["action_plan"]["review_date"]
        review_date_by_screening = review_date_changed and not register.section_open(locked, "action_plan")
        if "screening" in changed or review_date_by_screening:
            s = doc["screening"]
            saves("$.screening", register.update_screening, assessment_id, user, data=ScreeningInput(
                answers={a["characteristic"]: (a["affects"], a["reason"], a["advances_equality"]) for a in s["answers"]},
                relevance=s["relevance"], conclusion=s["conclusion"], proposal=s["proposal"],
                review_date=_day(doc["action_plan"]["review_date"]) if review_date_by_screening else KEEP))
        if "evidence" in changed:
            _list(saves, content.EVIDENCE, "$.evidence", doc["evidence"], current["evidence"], EVIDENCE.items)
        if "consultation" in changed:
            _list(saves, content.CONSULTATION, "$.consultation.items", doc["consultation"]["items"],
                  current["consultation"]["items"], CONSULTATION.items)
            if doc["consultation"]["no_consultation_reason"] != current["consultation"]["no_consultation_reason"]:
                saves("$.consultation", content.save_consultation_page, assessment_id, user,
                      no_consultation_reason=doc["consultation"]["no_consultation_reason"], complete=None)
        if "characteristics" in changed or "evidence" in changed:
            evidence_ids = {n: item.id for n, item in
                            enumerate(db.session.get(Assessment, assessment_id).evidence_items, start=1)}
            numbers = {e["number"]: evidence_ids.get(n) for n, e in enumerate(doc["evidence"], start=1)}
            for n, (new, old) in enumerate(zip(doc["characteristics"], current["characteristics"])):
                if new == old and "evidence" not in changed:
                    continue
                aims = aims_said(new)
                saves(f"$.characteristics[{n}]", content.update_impact, assessment_id, user,
                      characteristic_key=new["characteristic"], complete=None, data=content.ImpactInput(
                          impact=new["impact"], severity=new["severity"],
                          aims=frozenset(k for k, on in aims.items() if on),
                          evidence_narrative=new["evidence_narrative"],
                          cited_evidence_ids=frozenset(numbers[c] for c in new["evidence_cited"]),
                          no_evidence_reason=new["no_evidence_reason"], mitigation=new["mitigation"]))
        if "intersectional_effects" in changed:
            saves("$.intersectional_effects", content.update_intersectional, assessment_id, user,
                  text=doc["intersectional_effects"], complete=None)
        if "outcome" in changed:
            saves("$.outcome", content.update_outcome, assessment_id, user, outcomes=doc["outcome"]["outcomes"],
                  justification=doc["outcome"]["justification"], complete=None)
        if "action_plan" in changed:
            _list(saves, content.ACTIONS, "$.action_plan.items", doc["action_plan"]["items"],
                  current["action_plan"]["items"], ACTION_PLAN.items)
            if review_date_changed and not review_date_by_screening:
                saves("$.action_plan", content.save_action_plan_page, assessment_id, user,
                      review_date=_day(doc["action_plan"]["review_date"]), complete=None)
        if reviewed:
            said = doc[REVIEW_KEY]
            saves(f"$.{REVIEW_KEY}", review_outcomes.update_review, assessment_id, user, complete=None,
                  data=review_outcomes.ReviewInput(
                      actuals={g["characteristic"]: (g["actual_impact"], g["evidence"]) for g in said["groups"]},
                      next_step=said["next_step"], next_step_reason=said["next_step_reason"]))
        # Marks last, said of the content as saved above (whose saves took a changed section's mark away):
        # a section the document lists is marked completed, after its checks, as "Yes" on its page does.
        if "completions" in doc:
            wanted = {c["section"]: n for n, c in enumerate(doc["completions"])}
            now = {c.section_key for c in db.session.get(Assessment, assessment_id).completions}
            for key in sorted(set(wanted) ^ now):
                saves(f"$.completions[{wanted[key]}]" if key in wanted else "$.completions", register.mark_section,
                      assessment_id, user, key=key, complete=key in wanted)
    except Exception:
        undo_step()  # every save before the refusal too: all or nothing
        raise
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def _marks(doc: dict, current: dict) -> bool:
    """Whether the document marks other sections completed than are now."""
    return "completions" in doc and {c["section"] for c in doc["completions"]} != \
        {c["section"] for c in current["completions"]}

