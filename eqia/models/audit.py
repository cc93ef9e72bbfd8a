"""The append-only audit trail and the notification outbox.

Audit events form one hash chain across the whole database: each event's hash
covers the previous event's hash and its own canonical content, and the chain
head (last sequence number and hash) is kept in its own row, so an altered,
deleted, inserted or reordered event, or a cut-off tail, is detected by
`flask eqia verify-audit`. The head is sealed with a key held outside the
database, and its hash and count are published (register page, signed PDFs),
so a rewrite with every hash recomputed, or a trail emptied, is caught too.
The database also refuses UPDATE, DELETE and TRUNCATE on the events (triggers
created by the migrations).

An event keeps facts, not sentences: the comment its actor wrote (`user_comment`,
the `comment` column), a `kind` and `details`; `comment` reads them in words
(eqia.audit_words). `hash_version` says which canonical form its hash covers:
events written before the facts were stored keep form 1 (eqia.services.audit).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eqia.audit_words import FACTS_FORM, words
from eqia.extensions import db
from eqia.models.types import JSONFacts, UTCDateTime, utcnow

GENESIS_HASH = "0" * 64


class _EventFacts:
    """What an event says beyond who did what when, shared by this system's events
    and restored ones: the actor's own comment, the facts as a kind and details
    (put into words only when read, eqia.audit_words), and the links of the chain
    in the hash form the event was written in."""

    user_comment: Mapped[str] = mapped_column("comment", Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="", server_default="")
    details: Mapped[dict] = mapped_column(JSONFacts, default=dict, server_default="{}")
    hash_version: Mapped[int] = mapped_column(Integer, default=FACTS_FORM, server_default="1")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def comment(self) -> str:
        """The comment as people read it: the actor's words, then what the facts say."""
        return words(self)

    @comment.setter
    def comment(self, value: str) -> None:
        self.user_comment = value


class AuditEvent(_EventFacts, db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id"), index=True)
    # Copied, not only linked: the trail must read the same if a user or assessment changes later.
    # An action plan's events carry its reference here too ("PLAN-7"): indexed, as its page and
    # its segregation of duties read them by it.
    assessment_reference: Mapped[str] = mapped_column(String(60), default="", index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_email: Mapped[str] = mapped_column(String(320), default="")
    actor_name: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(40), default="")
    action: Mapped[str] = mapped_column(String(80))
    from_state: Mapped[str] = mapped_column(String(40), default="")
    to_state: Mapped[str] = mapped_column(String(40), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    workflow_name: Mapped[str] = mapped_column(String(40), default="")
    workflow_version: Mapped[int] = mapped_column(Integer, default=0)


class AuditChainHead(db.Model):
    """The single row naming the newest event. Locked while an event is appended,
    which serialises appends so the chain never forks. `seal` is an HMAC of the
    head under EQIA_AUDIT_KEY, a key held outside the database: someone who
    rewrites the trail and recomputes every hash cannot move the head with it."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    seal: Mapped[str] = mapped_column(String(64), default="", server_default="")


class RestoredAuditEvent(_EventFacts, db.Model):
    """One event of a restored assessment's audit trail, exactly as the system
    that recorded it hashed it (its ids are that system's). Checked whole when
    the file was restored, and anchored in this system's own chain by the
    restore's event, which carries the trail's last hash. Append-only, like the
    events themselves."""

    __tablename__ = "restored_audit_event"
    __table_args__ = (UniqueConstraint("assessment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    # Which system's chain recorded it: the hash of that chain's first event.
    chain: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    source_assessment_id: Mapped[int | None] = mapped_column(Integer)
    assessment_reference: Mapped[str] = mapped_column(String(60), default="")
    source_actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_email: Mapped[str] = mapped_column(String(320), default="")
    actor_name: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(40), default="")
    action: Mapped[str] = mapped_column(String(80))
    from_state: Mapped[str] = mapped_column(String(40), default="")
    to_state: Mapped[str] = mapped_column(String(40), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    workflow_name: Mapped[str] = mapped_column(String(40), default="")
    workflow_version: Mapped[int] = mapped_column(Integer, default=0)


class OutboxMessage(db.Model):
    """A notification written in the same transaction as the change it reports,
    and sent afterwards, so no e-mail goes out for a change that rolled back.

    Pending until sent_at or failed_at is set. A sender claims a message
    (claimed_by, until claimed_until) before offering it to the mail server, so
    two senders never take the same one, and a crashed sender's claim runs out.
    A refused message waits (next_attempt_at, doubling) and is set aside
    (failed_at) after the configured number of attempts, for an admin to send
    again (eqia/notifications/).

    A message keeps what to say, not the words: a `kind` and its `details` (the
    facts: the assessment, who did what, the comment), written in words when it
    is sent or listed (eqia.notifications.messages), so a message sent after the
    words change is sent in the new words. A message queued before the facts were
    stored has no kind and keeps the `subject` and `body` it was written with."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a message no event caused: a reminder or a daily digest (eqia.notifications.reminders).
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_event.id"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    # A daily digest's "digest:<user id>:<day>": one a person a day, however often the step runs.
    once_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), default="", server_default="")
    details: Mapped[dict] = mapped_column(JSONFacts, default=dict, server_default="{}")
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_by: Mapped[str] = mapped_column(String(32), default="")
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the last failed attempt met: a code from eqia.notifications.outbox.FAILURES, and the
    # mail server's own reply code and text when it gave one.
    failure: Mapped[str] = mapped_column(String(40), default="")
    smtp_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
