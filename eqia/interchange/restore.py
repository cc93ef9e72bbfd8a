"""Restoring exported versions whole: state, challenge ledger, signatures, audit trail.

For backups and for moving a council's register between systems; an admin's
act (`flask eqia import FILE --restore --as ADMIN`). Before anything is kept:
- every event of the file's audit trail must still hash to its hash, events
  that were consecutive in the exporting system's chain must still link, and
  the trail's last state must be the version's state;
- every signature's record must hash to its hash, and must be vouched for on
  the trail by the person who signed;
- the content, as written here, must hash to the content hash the file
  carries, and a signed version's last signature must be on exactly that.
All versions in the file are written in one transaction and checked inside it;
a single problem rolls all of them back.

The restored trail is kept as the exporting system hashed it (its ids are that
system's: RestoredAuditEvent), and this system's own chain records the restore,
with the SHA-256 of the trail it took in, so the two are bound together. The
ids the content record named there are kept beside the version
(`Assessment.restored_identity`), so its signatures verify here as they did
there, and an export of the restored version is the file it came from.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select

from eqia.audit_words import RESTORE, SIGNATURE, WORDS_FORM, words
from eqia.assessments.shape import PARTS, Items
from eqia.admin import directorates
from eqia.extensions import db
from eqia.interchange.importer import (
    PROBLEMS_SHOWN,
    BadDocument,
    DocumentProblem,
    _apply_content,
    _within,
    check,
    documents_in,
)
from eqia.models import (
    ActionUpdate,
    Assessment,
    AssessmentViewer,
    ChallengeComment,
    ChallengeRound,
    Directorate,
    ReferenceCounter,
    RestoredAuditEvent,
    SectionCompletion,
    SignOff,
    User,
)
from eqia.loaded_definitions import workflows
from eqia.roles import ADMIN
from eqia.services.audit import RESTORE_ACTION, append_event, compute_hash, legacy_facts
from eqia.services.exported_trail import hashable as _hashable, trail_digest
from eqia.services.errors import Forbidden
from eqia.services.record import content_hash, content_record, digest
from eqia.services.signing import changed_parts, changed_tasks, is_signed
from eqia.unit_of_work import service_step, undo_step

ADMIN_ONLY = "Only an admin can restore assessments."
# What a restore needs beyond a new assessment's content: all of an export.
NEEDED = ("id", "reference", "version", "previous_version", "workflow", "state", "directorate_id", "restricted",
          "viewers", "created_by", "created_at", "updated_at", "published_at", "completions", "challenge",
          "sign_offs", "content_hash", "audit", "audit_sha256")
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# Where the document holds the plan's actions, which progress names by number.
ACTION_ROWS = next((part.interchange, member.interchange) for part in PARTS for member in part.members
                   if isinstance(member, Items) and member.collection == "actions")
REFERENCE = re.compile(r"^EQIA-(\d{4})-(\d{1,9})$")


def _facts(e: dict) -> tuple[str, dict]:
    """What an exported event records: its kind and details, read from its words if it
    was hashed on them (form 1)."""
    if e.get("hash_version", WORDS_FORM) == WORDS_FORM:
        return legacy_facts(e["action"], e["comment"])
    return e.get("kind", ""), e.get("details", {})


def _altered(e: dict) -> bool:
    """The event no longer hashes to its hash, or its words are not what its facts say."""
    event = _hashable(e)
    try:
        return compute_hash(event) != e["hash"] or words(event) != e["comment"]
    except (KeyError, TypeError, ValueError):  # facts missing what their words need: not as recorded
        return True


def _when(value: str | None) -> datetime | None:
    return datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc) if value is not None else None


def _timestamps(doc: dict) -> list[tuple[str, str | None]]:
    found = [(f"$.{k}", doc[k]) for k in ("created_at", "updated_at", "published_at")]
    found += [(f"$.completions[{n}].completed_at", c["completed_at"]) for n, c in enumerate(doc["completions"])]
    for n, r in enumerate(doc["challenge"]):
        found += [(f"$.challenge[{n}].opened_at", r["opened_at"]), (f"$.challenge[{n}].closed_at", r["closed_at"])]
        for m, p in enumerate(r["points"]):
            found += [(f"$.challenge[{n}].points[{m}].reviewed_at", p["reviewed_at"]),
                      (f"$.challenge[{n}].points[{m}].responded_at", p["responded_at"])]
    found += [(f"$.sign_offs[{n}].signed_at", s["signed_at"]) for n, s in enumerate(doc["sign_offs"])]
    found += [(f"$.audit[{n}].occurred_at", e["occurred_at"]) for n, e in enumerate(doc["audit"])]
    found += [(f"$.action_progress[{n}].recorded_at", u["recorded_at"])
              for n, u in enumerate(doc.get("action_progress", []))]
    return found


def _progress_problems(doc: dict) -> list[DocumentProblem]:
    """Progress must be on an action the plan has, dated on a real day."""
    part, items = ACTION_ROWS
    problems, actions = [], len(doc[part][items])
    for n, u in enumerate(doc.get("action_progress", [])):
        if u["action"] > actions:
            problems.append(DocumentProblem(f"$.action_progress[{n}].action", f"the plan has no action {u['action']} "
                                            f"(it has {actions})"))
        try:
            date.fromisoformat(u["dated"])
        except ValueError:
            problems.append(DocumentProblem(f"$.action_progress[{n}].dated", f"{u['dated']!r} is not a real day"))
    return problems


def _trail_problems(doc: dict) -> list[DocumentProblem]:
    events, problems = doc["audit"], []
    if not events:
        return [DocumentProblem("$.audit", "is empty: a restore needs the trail the version was exported with")]
    # A version restored before and then exported again carries each system's part of its trail in
    # turn, each under that system's id for it: the order and links are checked within each part.
    previous = None
    for n, e in enumerate(events):
        path = f"$.audit[{n}]"
        if _altered(e):
            problems.append(DocumentProblem(path, f"event {e['seq']} was altered: its content no longer matches "
                                            "its hash"))
        if previous is not None and previous["chain"] == e["chain"]:
            if e["seq"] <= previous["seq"]:
                problems.append(DocumentProblem(f"{path}.seq", f"event {e['seq']} comes after event "
                                                f"{previous['seq']}: the trail was reordered"))
            elif e["seq"] == previous["seq"] + 1 and e["prev_hash"] != previous["hash"]:
                problems.append(DocumentProblem(f"{path}.prev_hash", f"event {e['seq']} does not follow event "
                                                f"{previous['seq']}: the trail was reordered, or an event was "
                                                "inserted or deleted"))
        previous = e
    if trail_digest(events) != doc["audit_sha256"]:
        problems.append(DocumentProblem("$.audit", "is not the trail it was exported with (its SHA-256 differs "
                                        "from audit_sha256): an event was taken out, added or changed"))
    state = None
    for n, e in enumerate(events):
        # Each move starts where the one before it ended: a step taken out of the story shows.
        if e["from_state"] and e["from_state"] != e["to_state"] and state is not None and e["from_state"] != state:
            problems.append(DocumentProblem(f"$.audit[{n}].from_state", f"event {e['seq']} moves it from "
                                            f"{e['from_state']!r}, but the trail had left it {state!r}: a step is "
                                            "missing"))
        state = e["to_state"] or state
    moves = [e["to_state"] for e in events if e["to_state"]]
    if moves and moves[-1] != doc["state"]:
        problems.append(DocumentProblem("$.state", f"is {doc['state']!r}, but the trail last moved it to "
                                        f"{moves[-1]!r}: it was changed outside the service"))
    return problems


def _signature_problems(doc: dict) -> list[DocumentProblem]:
    problems = []
    # By the signer's id where they signed, as the trail names them (an e-mail address may change).
    # An altered event vouches for nothing.
    vouched = {(e["actor_id"], details.get("content_sha256")) for e in doc["audit"] if not _altered(e)
               for kind, details in [_facts(e)] if kind == SIGNATURE}
    for n, s in enumerate(doc["sign_offs"]):
        if digest(s["signed_content"].encode("utf-8")) != s["content_hash"]:
            problems.append(DocumentProblem(f"$.sign_offs[{n}].signed_content", f"the record of what "
                                            f"{s['signer_name']} signed does not match its hash: it was altered"))
        if (s["signer_id"], s["content_hash"]) not in vouched:
            problems.append(DocumentProblem(f"$.sign_offs[{n}]", f"the signature of {s['signer_name']} is not on "
                                            "the file's audit trail with the hash it claims"))
    return problems


def restore_problems(doc: Any) -> list[DocumentProblem]:
    """What stops `doc` being restored, before anything is written."""
    problems = check(doc)
    if problems:
        return problems
    problems = [DocumentProblem(f"$.{name}", "is missing: a restore needs the whole of an export")
                for name in NEEDED if name not in doc]
    if problems:
        return problems
    try:
        definition = workflows().get(doc["workflow"]["name"], doc["workflow"]["version"])
    except LookupError as error:
        return [DocumentProblem("$.workflow", str(error))]
    if doc["state"] not in definition.states:
        return [DocumentProblem("$.state", f"{doc['state']!r} is not a state of the {definition.name!r} workflow")]
    for path, value in _timestamps(doc):
        try:
            _when(value)
        except ValueError:
            problems.append(DocumentProblem(path, f"{value!r} is not a real moment"))
    problems += _twice([c["section"] for c in doc["completions"]], "$.completions", "section")
    problems += _twice([r["number"] for r in doc["challenge"]], "$.challenge", "number")
    for n, r in enumerate(doc["challenge"]):
        problems += _twice([p["task"] for p in r["points"]], f"$.challenge[{n}].points", "task")
    problems += _twice([User.normalise_email(v["email"]) for v in doc["viewers"]], "$.viewers", "email")
    if not REFERENCE.match(doc["reference"]):
        problems.append(DocumentProblem("$.reference", "is not a reference this service issues (EQIA-YYYY-NNNN)"))
    return problems + _progress_problems(doc) + _trail_problems(doc) + _signature_problems(doc)


def _twice(values: list, path: str, name: str) -> list[DocumentProblem]:
    seen, found = set(), []
    for n, value in enumerate(values):
        if value in seen:
            found.append(DocumentProblem(f"{path}[{n}].{name}", f"{value!r} appears more than once"))
        seen.add(value)
    return found


class _People:
    """The file's people as accounts here: found by e-mail, or made, unable to sign in."""

    def __init__(self, notes: list[str]) -> None:
        self.notes = notes
        self.made: dict[str, User] = {}

    def get(self, who: dict | None) -> User | None:
        if who is None:
            return None
        email = User.normalise_email(who["email"])
        if email in self.made:
            return self.made[email]
        user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            user = User(email=email, name=who["name"] or email, active=False)
            user.set_password(secrets.token_urlsafe(32))
            db.session.add(user)
            db.session.flush()
            self.notes.append(f"Made an account for {email} ({user.name}), who is named in the file: it has no "
                              "roles and cannot sign in until an admin sets it up.")
        self.made[email] = user
        return user

    def id_of(self, who: dict | None) -> int | None:
        user = self.get(who)
        return user.id if user is not None else None


def _directorate(name: str, notes: list[str]) -> Directorate:
    found = directorates.by_name(name)
    if found is None:
        found = Directorate(name=name)
        db.session.add(found)
        db.session.flush()
        notes.append(f"Added the directorate {name!r}, which the file names.")
    return found


def _keep_reference(reference: str) -> None:
    """The counter moves past a restored reference, so no new one repeats it."""
    year, number = (int(x) for x in REFERENCE.match(reference).groups())
    counter = db.session.execute(select(ReferenceCounter).where(ReferenceCounter.year == year)
                                 .with_for_update()).scalar_one_or_none()
    if counter is None:
        db.session.add(ReferenceCounter(year=year, last_number=number))
    elif counter.last_number < number:
        counter.last_number = number


def _write(doc: dict, prefix: str, people: _People, notes: list[str]) -> tuple[Assessment, list[DocumentProblem]]:
    problems: list[DocumentProblem] = []
    here = db.session.execute(select(Assessment).where(Assessment.reference == doc["reference"],
                                                       Assessment.version_number == doc["version"])
                              ).scalar_one_or_none()
    if here is not None:
        return None, [DocumentProblem(f"{prefix}.reference", f"{doc['reference']} v{doc['version']} is already "
                                      "here: restore into a service that does not have it")]
    previous = None
    if doc["previous_version"] is not None:
        link = doc["previous_version"]
        previous = db.session.execute(select(Assessment).where(Assessment.reference == link["reference"],
                                                               Assessment.version_number == link["version"])
                                      ).scalar_one_or_none()
        if previous is None or previous.next_version is not None:
            return None, [DocumentProblem(f"{prefix}.previous_version", f"{link['reference']} v{link['version']} "
                                          "must be restored first, and not yet followed by another version "
                                          "(an export made with --all holds every version in order)")]
    directorate = _directorate(doc["register_details"]["directorate"], notes)
    _keep_reference(doc["reference"])
    a = Assessment(
        reference=doc["reference"], version_number=doc["version"], previous_version_id=previous.id if previous else None,
        workflow_name=doc["workflow"]["name"], workflow_version=doc["workflow"]["version"], state=doc["state"],
        directorate_id=directorate.id, restricted=doc["restricted"], created_by_id=people.id_of(doc["created_by"]),
        created_at=_when(doc["created_at"]), updated_at=_when(doc["updated_at"]),
        published_at=_when(doc["published_at"]),
        profile_key=(doc.get("profile") or {}).get("key", ""),
        profile_version=(doc.get("profile") or {}).get("version"))
    _apply_content(a, doc)
    a.viewers = [AssessmentViewer(user_id=people.id_of(v)) for v in doc["viewers"]]
    a.completions = [SectionCompletion(section_key=c["section"], completed_by_id=people.id_of(c["completed_by"]),
                                       completed_at=_when(c["completed_at"])) for c in doc["completions"]]
    users: dict[int, int] = {}
    for r in doc["challenge"]:
        challenger = people.id_of(r["challenger"])
        if challenger is not None and r["challenger_id"] is not None:
            users[challenger] = r["challenger_id"]
        a.challenge_rounds.append(ChallengeRound(
            number=r["number"], challenger_id=challenger, opened_at=_when(r["opened_at"]),
            closed_at=_when(r["closed_at"]), decision=r["decision"], overall_comment=r["overall_comment"],
            content_snapshot=r["content_snapshot"],
            comments=[ChallengeComment(section_key=p["task"], status=p["status"], comment=p["comment"],
                                       reviewed_by_id=people.id_of(p["reviewed_by"]), reviewed_at=_when(p["reviewed_at"]),
                                       response=p["response"], response_text=p["response_text"],
                                       responded_by_id=people.id_of(p["responded_by"]),
                                       responded_at=_when(p["responded_at"])) for p in r["points"]]))
    for s in doc["sign_offs"]:
        users[people.id_of(s["signer"])] = s["signer_id"]
    a.sign_offs = [SignOff(signer_id=people.id_of(s["signer"]), signer_name=s["signer_name"], role=s["role"],
                           signed_at=_when(s["signed_at"]), version_number=s["version"],
                           content_hash=s["content_hash"], attestation=s["attestation"],
                           signed_content=s["signed_content"]) for s in doc["sign_offs"]]
    # Set before the version is first written: once written, a signed version's row never changes.
    a.restored_identity = json.dumps({"directorates": {str(directorate.id): doc["directorate_id"]},
                                      "users": {str(k): v for k, v in sorted(users.items())}}, sort_keys=True)
    db.session.add(a)
    db.session.flush()
    # Progress on the signed plan, beside it (a file exported before progress was kept has none).
    actions = {n: action.id for n, action in enumerate(a.actions, start=1)}
    for u in doc.get("action_progress", []):
        db.session.add(ActionUpdate(action_id=actions[u["action"]], assessment_id=a.id, status=u["status"],
                                    note=u["note"], evidence=u["evidence"], dated=date.fromisoformat(u["dated"]),
                                    recorded_by_id=people.id_of(u["recorded_by"]),
                                    recorded_at=_when(u["recorded_at"])))
    for n, e in enumerate(doc["audit"]):
        kind, details = _facts(e)
        db.session.add(RestoredAuditEvent(
            assessment_id=a.id, position=n, chain=e["chain"], seq=e["seq"], source_assessment_id=e["assessment_id"],
            assessment_reference=e["assessment_reference"], source_actor_id=e["actor_id"],
            actor_email=e["actor"]["email"], actor_name=e["actor"]["name"], role=e["role"], action=e["action"],
            from_state=e["from_state"], to_state=e["to_state"], occurred_at=_when(e["occurred_at"]),
            workflow_name=e["workflow"]["name"], workflow_version=e["workflow"]["version"],
            user_comment=_hashable(e).user_comment, kind=kind, details=details,
            hash_version=e.get("hash_version", WORDS_FORM), prev_hash=e["prev_hash"], hash=e["hash"]))
    db.session.flush()
    db.session.refresh(a)  # collections in stored order, as the content record reads them
    now = content_hash(a)
    if now != doc["content_hash"]:
        where = ""
        if a.sign_offs:
            signed = json.loads(a.sign_offs[-1].signed_content)
            changed = changed_tasks(signed, content_record(a)) + changed_parts(signed, content_record(a))
            where = f" (it differs from what was signed in: {', '.join(changed)})" if changed else ""
        problems.append(DocumentProblem(f"{prefix}.content_hash", "the content no longer matches the content hash "
                                        f"it was exported with: it was changed since{where}"))
    elif is_signed(a) and a.sign_offs[-1].content_hash != now:
        problems.append(DocumentProblem(f"{prefix}.sign_offs", "the version is signed, but its last signature is "
                                        "not on this content"))
    return a, problems


@service_step
def restore_documents(data: Any, admin: User, *, source: str = "") -> list[tuple[Assessment, list[str]]]:
    """Restore every version in `data` (one document or a backup) as it was, or
    none of them. Returns each restored version with notes on what was added."""
    if ADMIN not in admin.roles:
        raise Forbidden(ADMIN_ONLY)
    found = documents_in(data)
    problems = [p for prefix, doc in found for p in _within(prefix, restore_problems(doc), doc)]
    if problems:
        raise BadDocument(problems[:PROBLEMS_SHOWN])
    results, problems = [], []
    try:
        for prefix, doc in found:
            notes: list[str] = []
            people = _People(notes)
            a, wrong = _write(doc, prefix, people, notes)
            problems += _within(prefix, wrong, doc)
            if a is None:
                continue
            append_event(action=RESTORE_ACTION, actor=admin, role=ADMIN, about=a.display_reference, kind=RESTORE,
                         details={"reference": a.display_reference, "source": source, "state": a.state,
                                  "events": len(doc["audit"]), "trail_sha256": trail_digest(doc["audit"]),
                                  "content_sha256": doc["content_hash"]})
            results.append((a, notes))
        if problems:
            raise BadDocument(problems[:PROBLEMS_SHOWN])
        db.session.flush()
        return results
    except Exception:
        undo_step()
        raise
