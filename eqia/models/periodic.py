"""Periodic work done, one row per kind and period: the claim that makes the daily
sweep (eqia.services.sweep) happen once per period however many workers run it.

The row is inserted in the same transaction as the work it claims: a second
claimant's insert meets the unique (kind, period) and does nothing (it waits for
the first to commit or roll back, and PostgreSQL and SQLite both make it wait),
and if the work fails the claim rolls back with it, so the next tick tries again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from eqia.extensions import db
from eqia.models.types import JSONFacts, UTCDateTime


class PeriodicRun(db.Model):
    __tablename__ = "periodic_run"
    __table_args__ = (UniqueConstraint("kind", "period", name="uq_periodic_run_kind_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # what was done: "daily_sweep"
    period: Mapped[str] = mapped_column(String(20))  # which period it was done for: "2026-12-06" (a London date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set in the same transaction as the claim; None only if the work was committed without it.
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the work did, as counts by step name: {"review_falls_due": 2}.
    details: Mapped[dict] = mapped_column(JSONFacts, default=dict, server_default="{}")
