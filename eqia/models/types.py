"""Column types shared by the models."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator

# The largest value an Integer column holds (PostgreSQL's integer): no id or
# version number beyond it can exist.
DATABASE_INT_MAX = 2**31 - 1


class UTCDateTime(TypeDecorator):
    """Stores naive UTC and always hands back an aware UTC datetime, on SQLite
    (which has no time zones) and PostgreSQL alike, so hashes computed over
    timestamps come out the same on both."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class JSONFacts(TypeDecorator):
    """A dict of facts kept as canonical JSON text (keys sorted, no spaces): the same
    text on SQLite and PostgreSQL, readable with any client, and never reordered
    by the database the way PostgreSQL's jsonb would."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: dict | None, dialect) -> str:
        return json.dumps(value or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def process_result_value(self, value: str | None, dialect) -> dict:
        return json.loads(value) if value else {}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
