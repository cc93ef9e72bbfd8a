"""The content record: one canonical serialisation of everything an EqIA says.

A signature is bound to the SHA-256 of this record, so it must be the same
bytes whenever the same content is read: keys sorted, no spaces, dates as ISO
text, rows in their stored order, labels kept beside keys (a characteristic set
may be replaced later; the signed words must not move). The record is grouped
by task (the completion keys of `eqia.assessments.sections`), which is also how a
lead sees what changed between two rounds of challenge.

State, lock versions and timestamps of saves are not content: publishing or
superseding a signed version leaves its hash unchanged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from eqia.models import REGISTER_FIELDS, Assessment
from eqia.assessments.sections import completion_key

RECORD_FORMAT = "eqia-content/1"


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def identity(a: Assessment) -> dict[str, dict[int, int]]:
    """For a version restored from another system, the ids its record named
    there, by the ids they have here (empty for a version made here)."""
    if not a.restored_identity:
        return {"directorates": {}, "users": {}}
    raw = json.loads(a.restored_identity)
    return {kind: {int(k): v for k, v in raw.get(kind, {}).items()} for kind in ("directorates", "users")}


def _register(a: Assessment, ids: dict[str, dict[int, int]]) -> dict:
    # The directorate by its id, not its name: renaming a directorate changes no
    # assessment, and must not make every signed one fail its check.
    record = {field: _value(getattr(a, field)) for field in REGISTER_FIELDS}
    record["directorate_id"] = ids["directorates"].get(a.directorate_id, a.directorate_id)
    return record


def sections_record(a: Assessment) -> dict[str, dict]:
    """The content, task by task."""
    evidence_number = {item.id: n for n, item in enumerate(a.evidence_items, start=1)}
    record: dict[str, dict] = {
        "register_details": _register(a, identity(a)),
        "screening": {
            "answers": [{"characteristic": r.characteristic_key, "label": r.characteristic_label,
                         "affects": r.affects, "reason": r.reason, "advances_equality": r.advances_equality,
                         "advances_reason": r.advances_reason} for r in a.screening_answers],
            "relevance": a.screening_relevance, "conclusion": a.screening_conclusion,
            "proposal": a.screening_proposal,
        },
        "evidence": {"items": [{"kind": e.kind, "source": e.source, "dated": _value(e.dated), "summary": e.summary,
                                "link": e.link} for e in a.evidence_items]},
        "consultation": {
            "items": [{"who": c.who, "held_from": _value(c.held_from), "held_to": _value(c.held_to),
                       "method": c.method, "what_they_said": c.what_they_said,
                       "how_it_changed": c.how_it_changed} for c in a.consultations],
            "no_consultation_reason": a.no_consultation_reason,
        },
    }
    for i in a.impacts:
        record[completion_key("characteristics", i.characteristic_key)] = {
            "label": i.characteristic_label, "impact": i.impact, "severity": i.severity,
            # The keys of the relevant aims, sorted: "a", "b", "c" in that order, as every signature
            # made when the three were columns listed them; never the running profile's order.
            "aims": i.relevant_aims,
            "reasons": i.evidence_narrative,
            "evidence_cited": sorted(evidence_number[e.id] for e in i.evidence if e.id in evidence_number),
            "no_evidence_reason": i.no_evidence_reason, "mitigation": i.mitigation,
        }
    record["intersectional"] = {"effects": a.intersectional_effects}
    record["outcome"] = {"outcomes": sorted(o.outcome for o in a.outcomes), "justification": a.outcome_justification}
    record["action_plan"] = {
        "items": [{"description": x.description, "owner": x.owner, "due_date": _value(x.due_date),
                   "success_measure": x.success_measure, "status": x.status, "characteristic": x.characteristic_key}
                  for x in a.actions],
        "review_date": _value(a.review_date),
    }
    return record


def ledger_record(a: Assessment) -> list[dict]:
    """Every challenge round of this version, with every point and answer."""
    users = identity(a)["users"]
    return [{
        "number": r.number, "opened_at": _value(r.opened_at), "closed_at": _value(r.closed_at),
        # The challenger by id: a person's name may change, what they challenged does not.
        "decision": r.decision, "challenger": users.get(r.challenger_id, r.challenger_id),
        "overall_comment": r.overall_comment,
        "points": [{"task": p.section_key, "status": p.status, "comment": p.comment, "response": p.response,
                    "response_text": p.response_text} for p in r.comments],
    } for r in a.challenge_rounds]


def content_record(a: Assessment) -> dict:
    """Everything a signature covers: the content and the challenge ledger."""
    return {
        "format": RECORD_FORMAT, "reference": a.reference, "version": a.version_number,
        "sections": sections_record(a), "challenge": ledger_record(a),
    }


def canonical(record: Any) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(a: Assessment) -> str:
    return digest(canonical(content_record(a)))


# ------------------------------------------------------- what changed between rounds

@dataclass(frozen=True)
class FieldChange:
    path: str  # e.g. "items[2].summary"
    before: Any
    after: Any


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else k))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for n, v in enumerate(value, start=1):
            out.update(_flatten(v, f"{prefix}[{n}]"))
        return out
    return {prefix: value}


def changes_between(before: dict[str, dict], after: dict[str, dict]) -> dict[str, list[FieldChange]]:
    """For each task whose content differs, the fields that differ (added and
    removed rows show as fields going from or to nothing)."""
    found: dict[str, list[FieldChange]] = {}
    for key in dict.fromkeys([*before, *after]):
        old, new = _flatten(before.get(key, {})), _flatten(after.get(key, {}))
        diffs = [FieldChange(path, old.get(path), new.get(path)) for path in dict.fromkeys([*old, *new])
                 if old.get(path) != new.get(path)]
        if diffs:
            found[key] = diffs
    return found


def snapshot(a: Assessment) -> str:
    """The sections record as stored on a challenge round."""
    return canonical(sections_record(a)).decode("utf-8")


def load_snapshot(text: str) -> dict[str, dict]:
    return json.loads(text) if text else {}
