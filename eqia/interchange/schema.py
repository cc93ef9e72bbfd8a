"""The JSON Schema of the interchange document (served at /api/v1/schema/assessment.json).

One definition serves the import's validation, the API's OpenAPI document and
docs/interchange.md. The content's part of it (each field's type, limit and
choices) is the shape's (eqia.assessments.shape); the rest, what happened to an
assessment, is written here. Values the exporting system assigned (database ids, the
reference, timestamps of saves, hashes) are marked `readOnly` and carry
`x-eqia-assigned`: a plain import gives them new values or leaves them out,
and a comparison of export, import, export ignores exactly those.

Characteristic keys and the keys of their scales (impact, severity, screening
answers) are patterns, not a list: a document written under another
deployment's characteristic set is valid here, and is kept as it was written.
"""

from __future__ import annotations

from flask import has_app_context

from eqia.audit_words import (ACTION_UPDATE, CHALLENGE_ANSWERS, CHALLENGE_POINTS, DATE_REACHED, EDIT, IMPORT, RESEAL,
                               RESTORE, REVIEW, SIGNATURE, SUPERSEDED)
from eqia.characteristics import PSED_AIM_NAMES, CharacteristicSet, aim_name, load_characteristics
from eqia.assessments.shape import (
    ACCOUNT,
    ACTIVITY_KIND,
    AIMS,
    CHOICE,
    CITATIONS,
    DIRECTORATE,
    DOCUMENT_KEYS,
    GROUP,
    LONG,
    OUTCOME_SET,
    PARTS,
    REVIEW_PARTS,
    SCALE,
    SHORT,
    TEXT,
    Field,
    Items,
)
from eqia.assessments.shape import DATE as DATE_KIND
from eqia.loaded_definitions import characteristics
from eqia.models import ACTION_EVIDENCE_MAX, ACTION_NOTE_MAX, ACTION_PROGRESS_STATUSES
from eqia.models.types import DATABASE_INT_MAX

FORMAT = "eqia-assessment/1"
# Keys an export has only where there is something to say: a review version's look back at the version it
# follows (every other key, an export always has).
WHEN_RECORDED: tuple[str, ...] = tuple(part.interchange for part in REVIEW_PARTS)
BACKUP_FORMAT = "eqia-export/1"  # many documents in one file: {"format", "exported_at", "assessments": [...]}
SCHEMA_ID = "https://eqia.invalid/schema/assessment.json"
KEY_PATTERN = "^[a-z0-9_]{1,40}$"  # scale keys, states, roles: what the String(40) columns hold
CHARACTERISTIC_PATTERN = "^[a-z0-9_]{1,60}$"
HASH_PATTERN = "^[0-9a-f]{64}$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"


def text(limit: int = LONG, description: str = "") -> dict:
    schema = {"type": "string", "maxLength": limit}
    return {**schema, "description": description} if description else schema


def short(description: str = "") -> dict:
    return text(SHORT, description)


def nullable(schema: dict) -> dict:
    kind = schema["type"]
    return {**schema, "type": [kind, "null"]}


def choice(options: dict[str, str], description: str = "") -> dict:
    return {"type": ["string", "null"], "enum": [*options, None], "description": description or
            "; ".join(f"{k}: {v}" for k, v in options.items())}


def key(description: str = "") -> dict:
    return {"type": ["string", "null"], "pattern": KEY_PATTERN, "maxLength": 40,
            **({"description": description} if description else {})}


def assigned(schema: dict, description: str) -> dict:
    """A value the exporting system assigned, ignored or replaced on import."""
    return {**schema, "readOnly": True, "x-eqia-assigned": True, "description": description}


DATE = {"type": ["string", "null"], "pattern": DATE_PATTERN, "format": "date"}
TIMESTAMP = {"type": "string", "pattern": TIMESTAMP_PATTERN, "format": "date-time",
             "description": "UTC, to the microsecond"}
INTEGER_ID = {"type": "integer", "minimum": 1, "maximum": DATABASE_INT_MAX}
NULLABLE_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": DATABASE_INT_MAX}
WHOLE = {"type": "integer", "minimum": 0, "maximum": DATABASE_INT_MAX}


def obj(properties: dict, description: str = "", optional: tuple[str, ...] = ()) -> dict:
    """An object with exactly these properties; all required but the optional ones."""
    schema = {"type": "object", "additionalProperties": False,
              "required": [name for name in properties if name not in optional], "properties": properties}
    return {**schema, "description": description} if description else schema


def array(items: dict, limit: int, description: str = "") -> dict:
    schema = {"type": "array", "maxItems": limit, "items": items}
    return {**schema, "description": description} if description else schema


PERSON = obj({"email": {"type": "string", "maxLength": 320}, "name": {"type": "string", "maxLength": 200}},
             "A person, by the e-mail address and name they had in the exporting system")
NULLABLE_PERSON = {"oneOf": [{"type": "null"}, PERSON]}
VERSION_LINK = {"oneOf": [{"type": "null"}, obj({"reference": {"type": "string", "maxLength": 40},
                                                 "version": {"type": "integer", "minimum": 1,
                                                             "maximum": DATABASE_INT_MAX}})]}
ROWS = 10_000  # far beyond any real EqIA; a bound, so a hostile file cannot ask for millions of rows


PROVENANCE = {
    "type": ["object", "null"], "additionalProperties": False,
    "description": "Where the assessment was taken from, when it was entered from a published document: its "
                   "title, the organisation that published it, its address (https:// or http:// only) and the "
                   "date it was published. null for an assessment written in the exporting system",
    "properties": {"title": short(), "organisation": short(), "url": short(), "published_on": DATE},
}

PROFILE = {
    "type": ["object", "null"], "additionalProperties": False, "required": ["key", "version"],
    "description": "The jurisdiction profile the assessment was made under (its groups, aims, scales and "
                   "duty): england, wales, northern_ireland or a deployment's own. null: not recorded",
    "properties": {"key": {"type": "string", "pattern": CHARACTERISTIC_PATTERN, "maxLength": 60},
                   "version": INTEGER_ID, "name": short()},
}

# Another aim's name: its key in the profile, never a single letter (a, b and c go by their names above).
AIM_NAME_PATTERN = "^[a-z][a-z0-9_]{1,39}$"


def aims(profile: CharacteristicSet) -> dict:
    """Each of the duty's aims said of a group, by name: relevant, not, or not yet said."""
    others = [k for k in profile.aims if k not in PSED_AIM_NAMES]
    return {
        "type": "object", "maxProperties": 100,
        "description": "The duty's aims said of this group, by name: true (relevant), false (not relevant) or "
                       "null (not yet said; an aim left out is not said either). The general duty's three "
                       "(Equality Act 2010 s.149(1)(a)-(c)): " + ", ".join(PSED_AIM_NAMES.values())
                       + (f"; this deployment's others: {', '.join(aim_name(k) for k in others)}" if others else "")
                       + ". Other names are an aim of the profile the assessment was written under",
        "properties": {name: {"type": ["boolean", "null"]} for name in PSED_AIM_NAMES.values()},
        "patternProperties": {AIM_NAME_PATTERN: {"type": ["boolean", "null"]}},
        "additionalProperties": False,
    }


def field_schema(field: Field, profile: CharacteristicSet) -> dict:
    """What a document may hold for one field of the shape."""
    described = {"description": field.description} if field.description else {}
    if field.kind in (TEXT, DIRECTORATE):
        least = {"minLength": 1} if field.required else {}
        return {"type": "string", **least, "maxLength": field.limit, **described}
    if field.kind == DATE_KIND:
        return DATE
    if field.kind == CHOICE:
        if field.required:
            return {"type": "string", "enum": list(field.choices)}
        return choice(field.choices)
    if field.kind == ACTIVITY_KIND:
        return choice(profile.activity_kinds)
    if field.kind == SCALE:
        return key(field.description)
    if field.kind == GROUP:
        kind = "string" if field.required else ["string", "null"]
        return {"type": kind, "pattern": CHARACTERISTIC_PATTERN, "maxLength": 60, **described}
    if field.kind == AIMS:
        return aims(profile)
    if field.kind == CITATIONS:
        return array({"type": "integer", "minimum": 1, "maximum": ROWS}, ROWS, field.description)
    if field.kind == OUTCOME_SET:
        return array({"type": "string", "enum": list(field.choices)}, len(field.choices))
    if field.kind == ACCOUNT:
        return {"type": ["string", "null"], "maxLength": 320, **described}
    raise ValueError(f"{field.key}: no schema for a field of kind {field.kind!r}")


NUMBER = {"type": "integer", "minimum": 1, "maximum": ROWS,
          "description": "How the analyses cite it; unique in the document"}


def rows_schema(items: Items, profile: CharacteristicSet) -> dict:
    number = {"number": NUMBER} if items.numbered else {}
    row = obj({**number, **{f.interchange: field_schema(f, profile) for f in items.fields
                            if f.interchange is not None}},
              optional=tuple(f.interchange for f in items.fields if f.optional))
    return array(row, ROWS, items.description)


def content_schemas(profile: CharacteristicSet, parts=PARTS) -> dict[str, dict]:
    """The content's keys (each part of the shape) and what each may hold."""
    found: dict[str, dict] = {}
    for part in parts:
        properties: dict[str, dict] = {}
        for member in part.members:
            if isinstance(member, Items) and member.interchange is None:
                found[part.interchange] = rows_schema(member, profile)  # the part is its rows
            elif isinstance(member, Items):
                properties[member.interchange] = rows_schema(member, profile)
            else:
                properties[member.interchange] = field_schema(member, profile)
        if not part.interchange:
            found.update(properties)
        elif part.interchange not in found:
            found[part.interchange] = obj(properties)
    return found


POINT = obj({
    "task": {"type": "string", "maxLength": 100}, "status": {"type": "string", "pattern": KEY_PATTERN, "maxLength": 40},
    "comment": text(), "reviewed_by": NULLABLE_PERSON, "reviewed_at": nullable(TIMESTAMP),
    "response": key(), "response_text": text(), "responded_by": NULLABLE_PERSON,
    "responded_at": nullable(TIMESTAMP),
})

ROUND = obj({
    "number": {"type": "integer", "minimum": 1, "maximum": ROWS},
    "challenger": NULLABLE_PERSON,
    "challenger_id": assigned(NULLABLE_ID, "The challenger's id in the exporting system "
                              "(the content record of a signature names the challenger by it)"),
    "opened_at": TIMESTAMP, "closed_at": nullable(TIMESTAMP), "decision": key(), "overall_comment": text(),
    "content_snapshot": {"type": "string", "description": "The content as submitted for this round "
                         "(canonical JSON), from which a lead sees what changed"},
    "points": array(POINT, ROWS),
})

SIGN_OFF = obj({
    "signer": PERSON, "signer_name": {"type": "string"},
    "signer_id": assigned(INTEGER_ID, "The signer's id where they signed (the trail names them by it)"),
    "role": {"type": "string", "pattern": KEY_PATTERN, "maxLength": 40}, "signed_at": TIMESTAMP,
    "version": INTEGER_ID,
    "content_hash": {"type": "string", "pattern": HASH_PATTERN,
                     "description": "SHA-256 of signed_content, the canonical content record signed"},
    "attestation": {"type": "string"}, "signed_content": {"type": "string"},
})

ACTION_PROGRESS = obj({
    "action": {"type": "integer", "minimum": 1, "maximum": ROWS,
               "description": "The action's number in the signed plan (its place, from 1)"},
    "status": {"enum": list(ACTION_PROGRESS_STATUSES)},
    "note": {"type": "string", "maxLength": ACTION_NOTE_MAX},
    "evidence": {"type": "string", "maxLength": ACTION_EVIDENCE_MAX},
    "dated": {**DATE, "type": "string", "description": "The day the update is true of"},
    "recorded_by": PERSON,
    "recorded_at": assigned(TIMESTAMP, "When the exporting system recorded it"),
}, "Progress on one action of the signed plan: beside the signed content, never part of it")

AUDIT_EVENT = obj({
    "chain": assigned({"type": "string", "pattern": HASH_PATTERN}, "Which system's chain recorded it (the hash "
                      "of that chain's first event): a version restored and exported again carries each "
                      "system's part of its trail in turn"),
    "seq": assigned(INTEGER_ID, "Its place in that system's audit chain"),
    "assessment_id": assigned(NULLABLE_ID, "The assessment's id in the system that recorded the event"),
    "assessment_reference": {"type": "string", "maxLength": 60},
    "actor": obj({"email": {"type": "string", "maxLength": 320}, "name": {"type": "string"}},
                 "Who acted, as the trail copied them (\"system\" with no e-mail for the service itself)"),
    "actor_id": assigned(NULLABLE_ID, "The actor's id there"),
    "role": {"type": "string", "maxLength": 40}, "action": {"type": "string", "maxLength": 80},
    "from_state": {"type": "string", "maxLength": 40}, "to_state": {"type": "string", "maxLength": 40},
    "occurred_at": TIMESTAMP,
    "workflow": obj({"name": {"type": "string", "maxLength": 40}, "version": WHOLE}),
    "comment": {"type": "string", "description": "The comment as people read it: the actor's own words, then "
                "what the event's facts say (for a sign-off, the content hash signed)"},
    "prev_hash": assigned({"type": "string", "pattern": HASH_PATTERN}, "The hash of the event before it there"),
    "hash": assigned({"type": "string", "pattern": HASH_PATTERN},
                     "SHA-256 over prev_hash and the event's canonical content (eqia.services.audit)"),
    "hash_version": assigned({"const": 2}, "Present when the hash covers the event's facts (kind, details) "
                             "and the actor's own comment; absent for an event hashed on its words (form 1)"),
    "kind": assigned({"enum": ["", SIGNATURE, EDIT, RESTORE, CHALLENGE_POINTS, CHALLENGE_ANSWERS,
                                IMPORT, REVIEW, RESEAL, SUPERSEDED, ACTION_UPDATE, DATE_REACHED]},
                     "What the details record"),
    "details": assigned({"type": "object", "additionalProperties": {"anyOf": [
        {"type": ["string", "integer"]},
        # An edit's changes, a round's points or answers: each a set of codes and values (eqia.audit_words).
        {"type": "array", "items": {"type": "object", "additionalProperties": {"type": "string"}}}]}},
        "The facts the event records, as keys and values"),
    "user_comment": assigned({"type": "string"}, "What the actor wrote, when `comment` says more"),
}, optional=("hash_version", "kind", "details", "user_comment"))


def schema(profile: CharacteristicSet | None = None) -> dict:
    """The schema under `profile` (the running app's, or the default file's
    outside one): its kinds of activity are the only ones a document may name."""
    if profile is None:
        profile = characteristics() if has_app_context() else load_characteristics()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "An equality impact assessment, whole",
        "description": "One version of an EqIA with everything it says and everything that happened to it. "
                       "Values marked readOnly and x-eqia-assigned were assigned by the exporting system.",
        "type": "object", "additionalProperties": False,
        # What a new assessment needs; an export always has every property.
        "required": ["format", *DOCUMENT_KEYS],
        "properties": {
            "format": {"const": FORMAT},
            "id": assigned(INTEGER_ID, "The assessment's id in the exporting system"),
            "reference": assigned({"type": "string", "maxLength": 40}, "The human reference; a plain import "
                                  "issues a new one, a restore keeps it"),
            "version": {"type": "integer", "minimum": 1, "maximum": DATABASE_INT_MAX},
            "previous_version": VERSION_LINK, "next_version": VERSION_LINK,
            "workflow": obj({"name": {"type": "string", "pattern": KEY_PATTERN, "maxLength": 40},
                             "version": INTEGER_ID}),
            "state": {"type": "string", "pattern": KEY_PATTERN, "maxLength": 40},
            "directorate_id": assigned(INTEGER_ID, "The directorate's id where the content record "
                                       "was first made (a signature's record names the directorate by it)"),
            "restricted": {"type": "boolean", "description": "Seen only by its directorate, council-wide roles "
                           "and the named viewers"},
            "viewers": array(PERSON, ROWS),
            "created_by": PERSON,
            "created_at": assigned(TIMESTAMP, "When the exporting system created it"),
            "updated_at": assigned(TIMESTAMP, "Its last save there"),
            "published_at": nullable(TIMESTAMP),
            "provenance": PROVENANCE,
            "profile": PROFILE,
            **content_schemas(profile),
            # Present only on a version that records the review of the one it follows.
            **content_schemas(profile, REVIEW_PARTS),
            "completions": array(obj({"section": {"type": "string", "maxLength": 100},
                                      "completed_by": PERSON, "completed_at": TIMESTAMP}), ROWS,
                                 "The sections the author marked complete"),
            "challenge": array(ROUND, ROWS, "The challenge ledger: every round, point and answer"),
            "sign_offs": array(SIGN_OFF, ROWS),
            "action_progress": array(ACTION_PROGRESS, ROWS, "Progress recorded on the signed plan's actions, "
                                     "oldest first (a restore keeps it; a plain import starts without it)"),
            "content_hash": assigned({"type": "string", "pattern": HASH_PATTERN},
                                     "SHA-256 of the content record as the exporting system computed it"),
            "audit": array(AUDIT_EVENT, 1_000_000, "This version's audit trail, oldest first"),
            "audit_sha256": assigned({"type": "string", "pattern": HASH_PATTERN},
                                     "SHA-256 of the canonical JSON of `audit` as exported (keys sorted, no "
                                     "spaces): a trail edited without recomputing it shows (it is not keyed)"),
        },
    }


def assigned_paths(node: dict | None = None, path: str = "$") -> list[str]:
    """Where the schema marks values as assigned by the exporting system
    ("$.audit[*].seq"), for docs and for the round-trip tests."""
    node = schema() if node is None else node
    found = [path] if node.get("x-eqia-assigned") else []
    for name, child in node.get("properties", {}).items():
        found += assigned_paths(child, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        found += assigned_paths(node["items"], f"{path}[*]")
    return found
