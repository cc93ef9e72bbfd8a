"""The content record: one canonical serialisation of everything an EqIA says.

A signature is bound to the SHA-256 of this record, so it must be the same
bytes whenever the same content is read: keys sorted, no spaces, dates as ISO
text, rows in their stored order, labels kept beside keys (a characteristic set
may be replaced later; the signed words must not move). The record is grouped
by task (the completion keys of `eqia.assessments.sections`), which is also how a
lead sees what changed between two rounds of challenge.

Which fields it holds, and under which keys, is the shape's (eqia.assessments.shape:
each field's `record` key). Those keys are this format's: a field renamed elsewhere
keeps its record key, and tests/test_record_golden.py holds the bytes of a fully
filled record, so a change to the shape that would move a signed byte fails there.

State, lock versions and timestamps of saves are not content: publishing or
superseding a signed version leaves its hash unchanged.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from eqia.models import Assessment
from eqia.assessments.sections import completion_key
from eqia.assessments.shape import (AIMS, CITATIONS, DIRECTORATE, OUTCOME_SET, PARTS, REVIEW, Field, Part,
                                    review_recorded)

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


def _read(a: Assessment, row: Any, field: Field, ids: dict[str, dict[int, int]], numbers: dict[int, int]) -> Any:
    """One field's value as the record (format eqia-content/1) has always written it."""
    if field.kind == DIRECTORATE:
        # The directorate by its id, not its name: renaming a directorate changes no
        # assessment, and must not make every signed one fail its check.
        return ids["directorates"].get(row.directorate_id, row.directorate_id)
    if field.kind == AIMS:
        # The keys of the relevant aims, sorted: "a", "b", "c" in that order, as every signature
        # made when the three were columns listed them; never the running profile's order.
        return row.relevant_aims
    if field.kind == CITATIONS:
        return sorted(numbers[e.id] for e in row.evidence if e.id in numbers)
    if field.kind == OUTCOME_SET:
        return sorted(o.outcome for o in row.outcomes)
    return _value(getattr(row, field.key))


def _row(a: Assessment, row: Any, fields: tuple[Field, ...], ids, numbers) -> dict:
    return {f.record: _read(a, row, f, ids, numbers) for f in fields if f.record is not None}


def sections_record(a: Assessment) -> dict[str, dict]:
    """The content, task by task: each part of the shape under its record key, its
    rows before its own fields, a group's analysis under the group's task."""
    ids = identity(a)
    numbers = {item.id: n for n, item in enumerate(a.evidence_items, start=1)}
    record: dict[str, dict] = {}
    for part in PARTS:
        if part.per_group:
            for row in getattr(a, part.items.collection):
                record[completion_key(part.key, row.characteristic_key)] = _row(a, row, part.items.record_fields, ids,
                                                                                 numbers)
            continue
        record[part.record] = _part(a, part, ids, numbers)
    # A review's part only where one was recorded: a version without it reads, byte for byte, as
    # it did before reviews were recorded, and every signature over it still holds.
    if review_recorded(a):
        record[REVIEW.record] = _part(a, REVIEW, ids, numbers)
    return record


def _part(a: Assessment, part: Part, ids, numbers) -> dict:
    node = {}
    if part.items is not None:
        node[part.items.record] = [_row(a, row, part.items.record_fields, ids, numbers)
                                   for row in getattr(a, part.items.collection)]
    node.update(_row(a, a, part.fields, ids, numbers))
    return node


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
