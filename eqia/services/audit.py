"""Appending to and verifying the audit hash chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from eqia.extensions import db
from eqia.models import GENESIS_HASH, Assessment, AuditChainHead, AuditEvent, RestoredAuditEvent, User, utcnow

HEAD_ID = 1

# The fields a hash covers, in a fixed order. Adding one changes every hash, so
# it would need a new chain format: do not edit casually.
HASHED_FIELDS = (
    "seq", "assessment_id", "assessment_reference", "actor_id", "actor_email", "actor_name", "role", "action",
    "from_state", "to_state", "occurred_at", "workflow_name", "workflow_version", "comment", "prev_hash",
)


def _timestamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_content(event) -> bytes:
    content = {}
    for name in HASHED_FIELDS:
        value = getattr(event, name)
        content[name] = _timestamp(value) if isinstance(value, datetime) else value
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def compute_hash(event) -> str:
    """`event` is an AuditEvent or a row with the same attribute names."""
    return hashlib.sha256(event.prev_hash.encode("ascii") + b"\n" + canonical_content(event)).hexdigest()


def _locked_head() -> AuditChainHead:
    head = db.session.execute(
        select(AuditChainHead).where(AuditChainHead.id == HEAD_ID).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is None:
        head = AuditChainHead(id=HEAD_ID, seq=0, hash=GENESIS_HASH)
        db.session.add(head)
        db.session.flush()
    return head


def append_event(*, action: str, actor: User | None, role: str = "", assessment: Assessment | None = None,
                 from_state: str = "", to_state: str = "", comment: str = "", about: str = "") -> AuditEvent:
    """Add an event to the chain inside the caller's transaction (never commits).
    `about` names an assessment the event concerns without belonging to its trail."""
    head = _locked_head()
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
        comment=comment,
        prev_hash=head.hash,
    )
    event.hash = compute_hash(event)
    db.session.add(event)
    head.seq, head.hash = event.seq, event.hash
    db.session.flush()
    return event


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
    """Check every event against its hash and its place in the chain, and the
    head against the last event. Reads in batches, so it works on long trails."""
    problems: list[str] = []
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    last = None
    # Plain rows, not entities: a long trail streams through without filling
    # the session's identity map (and the caller's objects are left alone).
    columns = [getattr(AuditEvent, name) for name in HASHED_FIELDS] + [AuditEvent.hash]
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
        expected_prev, expected_seq, last = event.hash, event.seq + 1, event

    head = db.session.execute(select(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                              .execution_options(populate_existing=True)).scalar_one_or_none()
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
