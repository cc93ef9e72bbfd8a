"""An audit event as an interchange document carries it, and how a trail in that
form is hashed and checked: the export writes it, a restore keeps it, and the
signature check reads a restored version's trail back in it."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select

from eqia.audit_words import FACTS_FORM, RESTORE, WORDS_FORM
from eqia.extensions import db
from eqia.models import Assessment, AuditEvent, RestoredAuditEvent
from eqia.services.audit import RESTORE_ACTION, compute_hash, legacy_facts, restored_events
from eqia.services.record import canonical, digest


def stamp(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value is not None else None


def exported_event(e, chain: str, assessment_id: int | None, actor_id: int | None) -> dict:
    event = {
        "chain": chain, "seq": e.seq, "assessment_id": assessment_id, "assessment_reference": e.assessment_reference,
        # The trail's own copies of who acted, as the chain hashed them.
        "actor": {"email": e.actor_email, "name": e.actor_name},
        "actor_id": actor_id, "role": e.role, "action": e.action, "from_state": e.from_state,
        "to_state": e.to_state, "occurred_at": stamp(e.occurred_at),
        # In words, as every export has given it; an event hashed with its facts carries them too.
        "workflow": {"name": e.workflow_name, "version": e.workflow_version}, "comment": e.comment,
        "prev_hash": e.prev_hash, "hash": e.hash,
    }
    if e.hash_version >= FACTS_FORM:
        event.update(hash_version=e.hash_version, kind=e.kind, details=e.details)
        if e.user_comment != e.comment:  # what the actor wrote, when the words say more
            event["user_comment"] = e.user_comment
    return event


def exported(e, here: str) -> dict:
    if isinstance(e, RestoredAuditEvent):
        return exported_event(e, e.chain, e.source_assessment_id, e.source_actor_id)
    return exported_event(e, here, e.assessment_id, e.actor_id)


def restored_trail(a: Assessment) -> list[dict]:
    """A restored version's trail, as the system that recorded it exported it."""
    return [exported(e, "") for e in restored_events(a)]


def trail_digest(events: list[dict]) -> str:
    """The SHA-256 of a restored trail as the file held it (the restore's own event records it)."""
    return digest(canonical(events))


def hashable(e: dict) -> SimpleNamespace:
    """An exported event under the names the chain's hash reads. An event from before
    the facts were stored (no hash_version) is hashed in form 1, on its words."""
    form = e.get("hash_version", WORDS_FORM)
    return SimpleNamespace(
        seq=e["seq"], assessment_id=e["assessment_id"], assessment_reference=e["assessment_reference"],
        actor_id=e["actor_id"], actor_email=e["actor"]["email"], actor_name=e["actor"]["name"], role=e["role"],
        action=e["action"], from_state=e["from_state"], to_state=e["to_state"], occurred_at=e["occurred_at"],
        workflow_name=e["workflow"]["name"], workflow_version=e["workflow"]["version"],
        user_comment=e.get("user_comment", e["comment"]), hash_version=form,
        kind=e.get("kind", ""), details=e.get("details", {}), prev_hash=e["prev_hash"])


def restored_trail_problems(assessment: Assessment) -> list[str]:
    """A restored version's trail must be the one its restore recorded on this
    system's chain, every event still hashing to its hash."""
    events = restored_trail(assessment)
    if not events:
        return []
    ref = assessment.display_reference
    problems = [f"{ref}: restored event {e['seq']} was altered: its content no longer matches its hash"
                for e in events if compute_hash(hashable(e)) != e["hash"]]
    # Events hashed in form 1 carry their facts in their words: the columns read from them must agree.
    problems += [f"{ref}: restored event {e.seq} was altered: its kind or details no longer say what its words say"
                 for e in restored_events(assessment)
                 if e.hash_version == WORDS_FORM and legacy_facts(e.action, e.user_comment) != (e.kind, e.details)]
    recorded = db.session.execute(select(AuditEvent.details).where(
        AuditEvent.action == RESTORE_ACTION, AuditEvent.kind == RESTORE,
        AuditEvent.assessment_reference == ref)).scalars().all()
    if not any(details.get("trail_sha256") == trail_digest(events) for details in recorded):
        problems.append(f"{ref}: its restored audit trail is not the one its restore recorded: it was changed "
                        "outside the service")
    return problems
