"""The content record of a cumulative judgement: one canonical serialisation of
what it says and of exactly which assessment versions it judged. A signature is
bound to its SHA-256, serialised and hashed as an EqIA's is (eqia.services.record),
so the same content always gives the same bytes.

State, lock version and timestamps are not content: signing leaves the hash as
it was, and a change to any word, or to the versions covered, moves it."""

from __future__ import annotations

from eqia.models import CumulativeJudgement
from eqia.services.record import canonical, digest

RECORD_FORMAT = "eqia-cumulative/1"


def content_record(judgement: CumulativeJudgement) -> dict:
    return {
        "format": RECORD_FORMAT,
        "programme": judgement.programme,
        "version": judgement.version_number,
        "groups": {g.characteristic_key: {"name": g.group_name, "text": g.text} for g in judgement.groups},
        "conclusion": judgement.conclusion,
        "mitigations": judgement.mitigations,
        # By id, and by the reference and version a reader knows them by.
        "covers": [{"assessment": c.assessment_id, "reference": c.assessment.reference,
                    "version": c.assessment.version_number}
                   for c in sorted(judgement.covered, key=lambda c: c.assessment_id)],
    }


def signed_bytes(judgement: CumulativeJudgement) -> bytes:
    return canonical(content_record(judgement))


def content_hash(judgement: CumulativeJudgement) -> str:
    return digest(signed_bytes(judgement))
