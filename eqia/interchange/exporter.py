"""An assessment as one interchange document (schema: eqia.interchange.schema).

Rows keep their stored order; people are named by e-mail and name (ids mean
nothing to another system); characteristics keep the key and label they were
written with; timestamps are UTC to the microsecond, as the audit chain hashes
them. The same content exported twice is the same JSON, key for key.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select

from eqia.characteristics import PSED_AIM_NAMES, aim_name
from eqia.extensions import db
from eqia.interchange.schema import BACKUP_FORMAT, FORMAT
from eqia.assessments.shape import (
    ACCOUNT,
    AIMS,
    CITATIONS,
    DATE,
    DIRECTORATE,
    DOCUMENT_KEYS,
    OUTCOME_SET,
    PARTS,
    REVIEW,
    REVIEW_PARTS,
    Field,
    Items,
    Part,
    review_recorded,
)
from eqia.models import ActionUpdate, Assessment, User, utcnow
from eqia.loaded_definitions import profile_for
from eqia.services.audit import chain_id, trail
from eqia.services.exported_trail import exported, restored_trail, stamp  # noqa: F401  (restored_trail: the export's)
from eqia.services.record import canonical, content_hash, digest, identity
from eqia.services import signing


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def person(user: User | None) -> dict | None:
    return {"email": user.email, "name": user.name} if user is not None else None


def _version_link(a: Assessment | None) -> dict | None:
    return {"reference": a.reference, "version": a.version_number} if a is not None else None


def provenance(a: Assessment) -> dict | None:
    """Where an imported assessment came from (None for one written here)."""
    if not a.has_provenance:
        return None
    return {"title": a.provenance_title, "organisation": a.provenance_organisation, "url": a.provenance_url,
            "published_on": day(a.provenance_published_on)}


def profile(a: Assessment) -> dict | None:
    """The jurisdiction profile it was made under (None where that was not recorded)."""
    if not a.profile_key:
        return None
    known = profile_for(a)
    return {"key": a.profile_key, "version": a.profile_version or 1,
            **({"name": known.name} if known.key == a.profile_key else {})}


def aims_of(i) -> dict[str, bool | None]:
    """Each aim said of a group, by its name: section 149's three always (null: not said,
    as documents have always carried them), then any other aim said of it."""
    said = i.aims
    return {**{aim_name(key): said.get(key) for key in PSED_AIM_NAMES},
            **{aim_name(key): said[key] for key in sorted(said) if key not in PSED_AIM_NAMES}}


def _read(a: Assessment, row: Any, field: Field, numbers: dict[int, int]) -> Any:
    """One field's value as the document writes it."""
    if field.kind == DIRECTORATE:
        return row.directorate.name
    if field.kind == AIMS:
        return aims_of(row)
    if field.kind == CITATIONS:
        return sorted(numbers[e.id] for e in row.evidence if e.id in numbers)
    if field.kind == OUTCOME_SET:
        return sorted(o.outcome for o in row.outcomes)
    if field.kind == ACCOUNT:
        # An id means nothing to another system; the address lets it find the same person there.
        account = db.session.get(User, getattr(row, field.key)) if getattr(row, field.key) else None
        return account.email if account is not None else None
    value = getattr(row, field.key)
    return day(value) if field.kind == DATE else value


def _rows(a: Assessment, items: Items, numbers: dict[int, int]) -> list[dict]:
    rows = []
    optional = {f.interchange for f in items.fields if f.optional}
    for n, row in enumerate(getattr(a, items.collection), start=1):
        values = {f.interchange: _read(a, row, f, numbers) for f in items.fields if f.interchange is not None}
        # A field added to the format later is left out when it says nothing, so a document written before
        # it existed comes back out as it went in.
        values = {k: v for k, v in values.items() if v is not None or k not in optional}
        rows.append({"number": n, **values} if items.numbered else values)
    return rows


def content(a: Assessment) -> dict:
    """What the EqIA says: the part a plain import carries over. Each part of the
    shape under its document key (a part of only rows is the list of them)."""
    numbers = {e.id: n for n, e in enumerate(a.evidence_items, start=1)}
    document: dict[str, Any] = {}
    for part in PARTS:
        node = _part(a, part, numbers)
        if part.interchange:
            document[part.interchange] = node
        else:
            document.update(node)
    # A review's part only where one was recorded: the document of a version without it is as it was.
    if review_recorded(a):
        document[REVIEW.interchange] = _part(a, REVIEW, numbers)
    return document


def _part(a: Assessment, part: Part, numbers: dict[int, int]) -> Any:
    node: Any = {}
    for member in part.members:
        if isinstance(member, Items):
            rows = _rows(a, member, numbers)
            if member.interchange is None:
                node = rows
            else:
                node[member.interchange] = rows
        else:
            node[member.interchange] = _read(a, a, member, numbers)
    return node


# Where the fields of each page are in the document: for the page a problem links to (by its key), the
# part of the document that page edits, and its fields' names where the document's differ ("" for the part
# itself; a name ending "_" is a group's field, such as "answer_age"). The pages link a refusal to the page and
# field to fix; the API names the same place as a JSON path with these (`path_of`), and so does PUT.
def _page_names(part: Part) -> dict[str, str]:
    """A part's fields whose name on its page is not their name in the document ("answer_": a group's answer
    is at "answers[].affects"); "add", for a list a page adds rows to, names the list."""
    names = {}
    for member in part.members:
        if isinstance(member, Items) and not member.per_group:
            names["add"] = member.interchange or ""
        fields = member.fields if isinstance(member, Items) else (member,)
        for f in fields:
            if f.page is None or f.page == f.interchange:
                continue
            listed = isinstance(member, Items) and not part.per_group
            names[f.page] = f"{member.interchange}[].{f.interchange}" if listed else f.interchange
    return names


def _page_part(part: Part) -> tuple[str, dict[str, str]]:
    prefix = f"$.{part.interchange}{'[]' if part.per_group else ''}" if part.interchange else "$"
    return prefix, _page_names(part)


PAGE_PARTS: dict[str, tuple[str, dict[str, str]]] = {
    **{part.key: _page_part(part) for part in (*PARTS, *REVIEW_PARTS)},
    # An action's own page: its fields go by their document names.
    "action": ("$.action_plan.items[]", {}),
}
# A group's "Add an action to gather evidence" adds to the action plan; "Have you completed this section?"
# is answered by listing the section in the completions.
ELSEWHERE = {"gather": "$.action_plan.items", "completed": "$.completions"}
# The challenge ledger is written with its own requests' bodies (eqia.api.challenge).
LEDGER_PAGES = {"review": "$.points", "respond": "$.answers"}


def field_path(prefix: str, field: str, names: dict[str, str], index: dict[str, int] | None = None) -> str:
    """A page's field as a path under `prefix` (a group's field, "answer_age", at its group's `index`)."""
    if not field:
        return prefix
    for page_name, name in names.items():
        if field == page_name or (page_name.endswith("_") and field.startswith(page_name)):
            if "[]" in name:
                key = field[len(page_name):]
                name = name.replace("[]", f"[{index[key]}]" if index and key in index else "")
            return f"{prefix}.{name}" if name else prefix
    return f"{prefix}.{field}"


def path_of(a: Assessment, problem) -> str:
    """Where in this assessment's document to fix what `problem` (a page and a field on it) names; "$" for a
    problem that no field fixes (the state, the date, a role)."""
    if problem.field in ELSEWHERE and problem.page in PAGE_PARTS:
        return ELSEWHERE[problem.field]
    if problem.page in LEDGER_PAGES:
        return LEDGER_PAGES[problem.page]
    if problem.page not in PAGE_PARTS:
        return "$"
    prefix, names = PAGE_PARTS[problem.page]
    args = dict(problem.args)
    if "characteristic" in args:
        keys = [i.characteristic_key for i in a.impacts]
        found = args["characteristic"] in keys
        prefix = prefix.replace("[]", f"[{keys.index(args['characteristic'])}]" if found else "")
    if "item_id" in args:
        ids = [x.id for x in a.actions]
        prefix = prefix.replace("[]", f"[{ids.index(args['item_id'])}]" if args["item_id"] in ids else "")
    groups = {r.characteristic_key: n for n, r in enumerate(a.screening_answers)}
    return field_path(prefix, problem.field, names, groups)


CONTENT_KEYS = DOCUMENT_KEYS


def _users(ids: set[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.execute(select(User).where(User.id.in_(wanted))).scalars()}


def ledger(a: Assessment) -> list[dict]:
    ids = identity(a)["users"]
    people = _users({p for r in a.challenge_rounds for c in r.comments for p in (c.reviewed_by_id, c.responded_by_id)}
                    | {r.challenger_id for r in a.challenge_rounds})
    return [{
        "number": r.number, "challenger": person(people.get(r.challenger_id)), "challenger_id": ids.get(r.challenger_id, r.challenger_id),
        "opened_at": stamp(r.opened_at), "closed_at": stamp(r.closed_at), "decision": r.decision,
        "overall_comment": r.overall_comment, "content_snapshot": r.content_snapshot,
        "points": [{"task": c.section_key, "status": c.status, "comment": c.comment,
                    "reviewed_by": person(people.get(c.reviewed_by_id)), "reviewed_at": stamp(c.reviewed_at),
                    "response": c.response, "response_text": c.response_text,
                    "responded_by": person(people.get(c.responded_by_id)), "responded_at": stamp(c.responded_at)}
                   for c in r.comments],
    } for r in a.challenge_rounds]


def action_progress(a: Assessment) -> list[dict]:
    """Progress recorded on the signed plan's actions, oldest first: beside the
    content, never in it (it is not signed). `action` is the action's number in
    the plan (its place, from 1)."""
    updates = db.session.execute(select(ActionUpdate).where(ActionUpdate.assessment_id == a.id)
                                 .order_by(ActionUpdate.recorded_at, ActionUpdate.id)).scalars()
    numbers = {action.id: n for n, action in enumerate(a.actions, start=1)}
    return [{"action": numbers[u.action_id], "status": u.status, "note": u.note, "evidence": u.evidence,
             "dated": day(u.dated), "recorded_by": person(u.recorded_by), "recorded_at": stamp(u.recorded_at)}
            for u in updates]


def audit_trail(a: Assessment) -> list[dict]:
    """A restored version's trail from the system that recorded it, then this system's."""
    here = chain_id()
    return [exported(e, here) for e in trail(a, restores=False)]


def _signer_id(a: Assessment, s, local_signatures: set[tuple[int, str]]) -> int:
    """The signer's id as the trail names them: here for a signature given here, else where it was given."""
    if (s.signer_id, s.content_hash) in local_signatures:
        return s.signer_id
    return identity(a)["users"].get(s.signer_id, s.signer_id)


def export(a: Assessment) -> dict:
    """The whole of one version."""
    trail = audit_trail(a)
    local_signatures = signing.local_signatures(a)
    signers = _users({s.signer_id for s in a.sign_offs} | {c.completed_by_id for c in a.completions})
    return {
        "format": FORMAT, "id": a.id, "reference": a.reference, "version": a.version_number,
        "previous_version": _version_link(a.previous_version), "next_version": _version_link(a.next_version),
        "workflow": {"name": a.workflow_name, "version": a.workflow_version}, "state": a.state,
        "directorate_id": identity(a)["directorates"].get(a.directorate_id, a.directorate_id),
        "restricted": a.restricted,
        "viewers": sorted((person(v.user) for v in a.viewers), key=lambda p: p["email"]),
        "created_by": person(a.created_by), "created_at": stamp(a.created_at), "updated_at": stamp(a.updated_at),
        "published_at": stamp(a.published_at),
        "provenance": provenance(a),
        "profile": profile(a),
        **content(a),
        "completions": [{"section": c.section_key, "completed_by": person(signers.get(c.completed_by_id)),
                         "completed_at": stamp(c.completed_at)}
                        for c in sorted(a.completions, key=lambda c: c.section_key)],
        "challenge": ledger(a),
        "action_progress": action_progress(a),
        "sign_offs": [{"signer": person(signers.get(s.signer_id)),
                       "signer_id": _signer_id(a, s, local_signatures),
                       "signer_name": s.signer_name, "role": s.role,
                       "signed_at": stamp(s.signed_at), "version": s.version_number,
                       "content_hash": s.content_hash, "attestation": s.attestation,
                       "signed_content": s.signed_content} for s in a.sign_offs],
        "content_hash": content_hash(a),
        "audit": trail,
        "audit_sha256": digest(canonical(trail)),
    }


def backup(assessments: list[Assessment]) -> dict:
    """Many versions in one file, each version after the one it follows."""
    ordered = sorted(assessments, key=lambda a: (a.reference, a.version_number))
    return {"format": BACKUP_FORMAT, "exported_at": stamp(utcnow()), "assessments": [export(a) for a in ordered]}


def dumps(document: Any) -> str:
    """The file's text: stable key order, readable, UTF-8 kept as it is."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
