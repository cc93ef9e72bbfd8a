"""The content record of a cumulative judgement: one canonical serialisation of
what it says, of exactly which assessment versions it judged and of what each of
them found for each group when it was signed. A signature is
bound to its SHA-256, serialised and hashed as an EqIA's is (eqia.services.record),
so the same content always gives the same bytes.

State, lock version and timestamps are not content: signing leaves the hash as
it was, and a change to any word, or to the versions covered, moves it."""

from __future__ import annotations

import json

from sqlalchemy import select

from eqia.extensions import db
from eqia.models import CharacteristicImpact, CumulativeJudgement
from eqia.services.record import canonical, digest

RECORD_FORMAT = "eqia-cumulative/1"

# {assessment id: {group key: {"impact": key or None, "severity": key or None}}}
Cells = dict[int, dict[str, dict]]


def judged_cells(judgement: CumulativeJudgement) -> Cells:
    """What each covered version finds for each group now: the side by side the judgement is made
    beside (one query). Part of what is signed: a version covered while still in draft may change
    afterwards, and the signature says what the judgement judged."""
    cells: Cells = {c.assessment_id: {} for c in judgement.covered}
    if cells:
        for row in db.session.execute(select(CharacteristicImpact).where(
                CharacteristicImpact.assessment_id.in_(cells))).scalars():
            cells[row.assessment_id][row.characteristic_key] = {"impact": row.impact, "severity": row.severity}
    return cells


def signed_cells(judgement: CumulativeJudgement) -> Cells | None:
    """The covered versions' findings as signed (None before it is signed)."""
    if not judgement.signed_content:
        return None
    return {int(c["assessment"]): c.get("impacts", {}) for c in json.loads(judgement.signed_content)["covers"]}


def content_record(judgement: CumulativeJudgement, cells: Cells | None = None) -> dict:
    """`cells`: the covered versions' findings to record (by default, as they are now)."""
    cells = judged_cells(judgement) if cells is None else cells
    return {
        "format": RECORD_FORMAT,
        "programme": judgement.programme,
        "version": judgement.version_number,
        "groups": {g.characteristic_key: {"name": g.group_name, "text": g.text} for g in judgement.groups},
        "conclusion": judgement.conclusion,
        "mitigations": judgement.mitigations,
        # By id, and by the reference and version a reader knows them by, with what each found.
        "covers": [{"assessment": c.assessment_id, "reference": c.assessment.reference,
                    "version": c.assessment.version_number, "impacts": cells.get(c.assessment_id, {})}
                   for c in sorted(judgement.covered, key=lambda c: c.assessment_id)],
    }


def signed_bytes(judgement: CumulativeJudgement, cells: Cells | None = None) -> bytes:
    return canonical(content_record(judgement, cells))


def content_hash(judgement: CumulativeJudgement, cells: Cells | None = None) -> str:
    return digest(signed_bytes(judgement, cells))
