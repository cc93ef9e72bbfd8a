"""Dates in English local government are London dates: a decision "on the 5th"
means the 5th in London, whatever the server's clock zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/London")


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_ZONE).date()
