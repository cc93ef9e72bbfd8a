"""What each person is told in the service itself, and how they want to hear of it.

A notification keeps facts (a kind from eqia.notifications.kinds and its
details), not words: the list and the e-mails write the words when they are
read. `delivery` is how its person chose to hear of that kind when it was made
(an e-mail straight away, the next daily digest, or in the service only), and
`outbox_message_id` the e-mail that carried it, once there is one.

`once_key` makes a reminder idempotent: a reminder names what it is about
(the item and the threshold it crossed), and a person is never given the same
one twice however often the daily step runs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eqia.extensions import db
from eqia.models.types import JSONFacts, UTCDateTime, utcnow


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("user_id", "once_key"),
                      Index("ix_notification_user_unread", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict] = mapped_column(JSONFacts, default=dict)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery: Mapped[str] = mapped_column(String(20))
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id", ondelete="SET NULL"),
                                                          index=True)
    once_key: Mapped[str | None] = mapped_column(String(200))


class NotificationPreference(db.Model):
    """A person's choice for one kind; with no row, the kind's default applies."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
