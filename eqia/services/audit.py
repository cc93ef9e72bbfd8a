"""Appending to and verifying the audit hash chain."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import exists, func, select

from eqia.audit_words import EDIT, FACTS_FORM, RESTORE, SIGNATURE, WORDS_FORM
from eqia.config import AUDIT_KEY_MISSING, ConfigError
from eqia.extensions import db
from eqia.models import GENESIS_HASH, Assessment, AuditChainHead, AuditEvent, RestoredAuditEvent, User, utcnow

HEAD_ID = 1
log = logging.getLogger(__name__)

# The fields a hash covers, in a fixed order. Adding one changes every hash, so
# it needs a new form (below): do not edit casually. "comment" is the comment the
# actor wrote (the model's `user_comment`).
HASHED_FIELDS = (
    "seq", "assessment_id", "assessment_reference", "actor_id", "actor_email", "actor_name", "role", "action",
    "from_state", "to_state", "occurred_at", "workflow_name", "workflow_version", "comment", "prev_hash",
)
# Form 2 (FACTS_FORM) covers these too; form 1 (WORDS_FORM), every event written before
# the facts were stored, covers HASHED_FIELDS alone and keeps doing so, so each old
# hash still verifies. An event says its own form: a restored one keeps the form
# the system that recorded it used.
FACTS_FIELDS = ("hash_version", "kind", "details")


def _timestamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_content(event) -> bytes:
    content = {}
    for name in HASHED_FIELDS:
        value = getattr(event, "user_comment" if name == "comment" else name)
        content[name] = _timestamp(value) if isinstance(value, datetime) else value
    form = getattr(event, "hash_version", None) or FACTS_FORM
    if form >= FACTS_FORM:
        content.update(hash_version=form, kind=event.kind or "", details=event.details or {})
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def compute_hash(event) -> str:
    """`event` is an AuditEvent or a row with the same attribute names."""
    return hashlib.sha256(event.prev_hash.encode("ascii") + b"\n" + canonical_content(event)).hexdigest()


# ------------------------------------------------------------ facts of events written as words
# Before the facts were stored, an edit was known by its action code ("edit:<section>"),
# a signature by the note its sign-off effect wrote last in the comment, and a restore's
# trail by its sentence. Migration 0018 read each old event's facts from its words once,
# with this function, into `kind` and `details`; verify_chain reads them again to hold
# those columns (which the old hash does not cover) to what the hashed words say.
_LEGACY_EDIT = re.compile(r"edit:(?P<section>.+)", re.DOTALL)
_LEGACY_SIGNATURE = re.compile(r"(?:\A|\n)Content SHA-256: (?P<content_sha256>[0-9a-f]{64})\Z")
_LEGACY_RESTORE = re.compile(
    r"Restored (?P<reference>.+?)(?: from (?P<source>.*))?, (?P<state>[a-z_]+), with (?P<events>\d+) events of "
    r"its trail \(trail SHA-256 (?P<trail_sha256>[0-9a-f]{64})\) and content SHA-256 "
    r"(?P<content_sha256>[0-9a-f]{64})", re.DOTALL)


def legacy_facts(action: str, comment: str) -> tuple[str, dict]:
    """The kind and details of a form-1 event, from its action code and its words."""
    if edit := _LEGACY_EDIT.fullmatch(action):
        return EDIT, {"section": edit["section"]}
    if action == RESTORE_ACTION and (restore := _LEGACY_RESTORE.fullmatch(comment)):
        return RESTORE, {**restore.groupdict(), "source": restore["source"] or "", "events": int(restore["events"])}
    if signature := _LEGACY_SIGNATURE.search(comment):
        return SIGNATURE, {"content_sha256": signature["content_sha256"]}
    return "", {}


def facts_not_as_written(seq: int) -> str:
    return (f"event {seq} was altered: its kind or details no longer say what its words say (changed outside "
            "the service)")


# ------------------------------------------------------------ the head's seal
# The head (last seq and hash) is sealed with an HMAC under EQIA_AUDIT_KEY, held
# outside the database. Someone who can write to the database can rewrite events
# and recompute every hash, but cannot seal the head they move. When the service
# appends after a head whose seal does not match, the new head is sealed as
# "broken", so the next event never blesses the tampering (the service carries
# on: refusing every write would hand an attacker the whole service).
SEALED, BROKEN = "sealed", "broken"

HEAD_SEAL_MISMATCH = ("the chain head does not match its seal: it was moved in the database (events rewritten with "
                      "their hashes recomputed, forged or cut off), or EQIA_AUDIT_KEY is not the key that sealed it")
HEAD_SEAL_BROKEN = ("the chain head did not match its seal when the service last appended to it: the trail was "
                    "changed in the database before then; check it against a published anchor")


def seal_for(seq: int, head_hash: str, *, state: str = SEALED, key: str | None = None) -> str:
    key = key if key is not None else current_app.config["EQIA_AUDIT_KEY"]
    if not key:  # a `flask` command run without it (eqia.config.from_environment)
        raise ConfigError(AUDIT_KEY_MISSING)
    message = f"eqia-audit-head\n{state}\n{seq}\n{head_hash}".encode("utf-8")  # whatever a tamperer wrote
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def seal_state(head: AuditChainHead) -> str | None:
    """SEALED, BROKEN, or None when the seal is neither (the head was moved, or the key changed)."""
    for state in (SEALED, BROKEN):
        if hmac.compare_digest(head.seal or "", seal_for(head.seq, head.hash, state=state)):
            return state
    return None


def locked_head() -> AuditChainHead:
    """The chain's head, locked until this transaction ends: whoever appends to the chain holds it
    (here, and the bulk copies of `flask eqia seed`, eqia/seed.py)."""
    head = db.session.execute(
        select(AuditChainHead).where(AuditChainHead.id == HEAD_ID).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is None:
        head = AuditChainHead(id=HEAD_ID, seq=0, hash=GENESIS_HASH, seal=seal_for(0, GENESIS_HASH))
        db.session.add(head)
        db.session.flush()
    return head


def append_event(*, action: str, actor: User | None, role: str = "", assessment: Assessment | None = None,
                 from_state: str = "", to_state: str = "", comment: str = "", about: str = "",
                 kind: str = "", details: dict | None = None) -> AuditEvent:
    """Add an event to the chain inside the caller's transaction (never commits).
    `comment` is what the actor wrote; `kind` and `details` the facts the event
    records (eqia.audit_words), hashed with it. `about` names an assessment the
    event concerns without belonging to its trail."""
    head = locked_head()
    state = seal_state(head)
    if state != SEALED:
        log.error("Audit trail: the chain head (event %s) does not match its seal; appending event %s as after a "
                  "broken seal. Run `flask eqia verify-audit`.", head.seq, head.seq + 1)
    # Microsecond precision: both databases keep it, so the hash survives a round trip.
    now = utcnow()
    event = AuditEvent(
        seq=head.seq + 1,
        assessment_id=assessment.id if assessment is not None else None,
        assessment_reference=assessment.display_reference if assessment is not None else about,
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else "",
        actor_name=actor.name if actor is not None else "system",
        role=role,
        action=action,
        from_state=from_state,
        to_state=to_state,
        occurred_at=now,
        workflow_name=assessment.workflow_name if assessment is not None else "",
        workflow_version=assessment.workflow_version if assessment is not None else 0,
        user_comment=comment,
        kind=kind,
        details=details or {},
        hash_version=FACTS_FORM,
        prev_hash=head.hash,
    )
    event.hash = compute_hash(event)
    db.session.add(event)
    head.seq, head.hash = event.seq, event.hash
    head.seal = seal_for(event.seq, event.hash, state=SEALED if state == SEALED else BROKEN)
    db.session.flush()
    return event


def reseal_head() -> None:
    """Seal the head as it stands under the current key (`flask eqia reseal-audit-head`,
    after its checks): the caller appends the event that records it, and commits."""
    head = locked_head()
    head.seal = seal_for(head.seq, head.hash)
    db.session.flush()


# ------------------------------------------------------------ the published anchor

@dataclass(frozen=True)
class Anchor:
    """The trail as published: how many events it held and the last one's hash.
    A later trail must still have that hash at that event."""
    count: int
    head: str


def anchor() -> Anchor:
    head = db.session.execute(select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                              .execution_options(populate_existing=True)).scalar_one_or_none()
    return Anchor(head.seq, head.hash) if head is not None else Anchor(0, GENESIS_HASH)


def anchor_beyond_the_trail(count: int, held: int) -> str:
    return (f"a published anchor records {count} events, but the trail now holds {held}: events were removed "
            "from the trail")


def anchor_contradicted(count: int, published: str, now: str) -> str:
    return (f"event {count} is {now}, but a published anchor says {published}: the trail was rewritten since "
            "it was published")


def anchor_matched(count: int, head: str) -> str:
    return f"The trail matches the published anchor: event {count} is {head}."


def check_anchor(published: Anchor) -> list[str]:
    """Problems if the trail contradicts an anchor published earlier (none if it holds)."""
    held = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    at = db.session.execute(select(AuditEvent.hash).where(AuditEvent.seq == published.count)).scalar_one_or_none()
    if at is None:
        return [anchor_beyond_the_trail(published.count, held)]
    if at != published.head:
        return [anchor_contradicted(published.count, published.head, at)]
    return []


def assessments_off_the_trail(references: list[str]) -> str:
    shown = ", ".join(references[:10]) + (f" and {len(references) - 10} more" if len(references) > 10 else "")
    return (f"{len(references)} assessment(s) have no event on the audit trail ({shown}): their events were "
            "removed, or the whole trail was emptied")


def chain_id() -> str:
    """This system's chain, as other systems know it: the hash of its first event."""
    return db.session.execute(select(AuditEvent.hash).where(AuditEvent.seq == 1)).scalar_one_or_none() \
        or GENESIS_HASH


# A restore is this system's event about a version whose trail came from elsewhere.
RESTORE_ACTION = "restore"
# An import starts a new version from an interchange document (eqia.interchange.importer).
IMPORT_ACTION = "import"


def restored_events(assessment: Assessment) -> list[RestoredAuditEvent]:
    """A restored version's trail from the system that recorded it, in its order there."""
    return db.session.execute(select(RestoredAuditEvent).where(RestoredAuditEvent.assessment_id == assessment.id)
                              .order_by(RestoredAuditEvent.position)).scalars().all()


def trail(assessment: Assessment, *, restores: bool = True) -> list:
    """A version's whole trail as people read it, oldest first: for a version
    restored from another system, that system's events (RestoredAuditEvent),
    the restore (unless `restores` is false: it is this system's event about
    the version, not one of the version's own), then this system's."""
    restored = restored_events(assessment)
    restores = db.session.execute(select(AuditEvent).where(
        AuditEvent.assessment_id.is_(None), AuditEvent.action == RESTORE_ACTION,
        AuditEvent.assessment_reference == assessment.display_reference).order_by(AuditEvent.seq)
    ).scalars().all() if restored and restores else []
    local = db.session.execute(select(AuditEvent).where(AuditEvent.assessment_id == assessment.id)
                               .order_by(AuditEvent.seq)).scalars().all()
    return [*restored, *restores, *local]


@dataclass(frozen=True)
class ChainReport:
    events: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain() -> ChainReport:
    """Check every event against its hash and its place in the chain, the head
    against the last event and its seal, and that every assessment is on the
    trail. Reads in batches, so it works on long trails."""
    problems: list[str] = []
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    last = None
    # Plain rows, not entities: a long trail streams through without filling
    # the session's identity map (and the caller's objects are left alone).
    columns = [getattr(AuditEvent, "user_comment" if name == "comment" else name) for name in HASHED_FIELDS]
    columns += [getattr(AuditEvent, name) for name in FACTS_FIELDS] + [AuditEvent.hash]
    rows = db.session.execute(select(*columns).order_by(AuditEvent.seq).execution_options(yield_per=1000))
    for event in rows:
        count += 1
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                missing = f"{expected_seq}" if event.seq == expected_seq + 1 else f"{expected_seq}-{event.seq - 1}"
                problems.append(f"event {missing} is missing: deleted from the trail")
            else:
                problems.append(f"event {event.seq} appears more than once: inserted into the trail")
        if event.prev_hash != expected_prev:
            problems.append(f"event {event.seq} does not follow the event before it: the trail was reordered, "
                            "or an event was inserted or deleted")
        if compute_hash(event) != event.hash:
            problems.append(f"event {event.seq} was altered: its content no longer matches its hash")
        elif event.hash_version == WORDS_FORM and legacy_facts(event.action, event.user_comment) != \
                (event.kind, event.details):
            problems.append(facts_not_as_written(event.seq))
        expected_prev, expected_seq, last = event.hash, event.seq + 1, event

    head = db.session.execute(select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                              .execution_options(populate_existing=True)).scalar_one_or_none()
    if head is not None:
        state = seal_state(head)
        if state is None:
            problems.append(HEAD_SEAL_MISMATCH)
        elif state == BROKEN:
            problems.append(HEAD_SEAL_BROKEN)
    # Every assessment has at least its own first event (or, restored, the trail it came with).
    off = db.session.execute(select(Assessment).where(
        ~exists().where(AuditEvent.assessment_id == Assessment.id),
        ~exists().where(RestoredAuditEvent.assessment_id == Assessment.id)).order_by(Assessment.id)).scalars().all()
    if off:
        problems.append(assessments_off_the_trail([a.display_reference for a in off]))
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    last_seq, last_hash = (last.seq, last.hash) if last else (0, GENESIS_HASH)
    if (head_seq, head_hash) != (last_seq, last_hash):
        if head_seq > last_seq:
            problems.append(f"the trail ends at event {last_seq} but the chain head records event {head_seq}: "
                            "events were deleted from the end")
        else:
            problems.append(f"the chain head records event {head_seq} ({head_hash[:12]}), not the last event "
                            f"{last_seq} ({last_hash[:12]}): the head or the end of the trail was changed")
    return ChainReport(events=count, problems=problems)
