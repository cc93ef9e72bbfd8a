"""What the delivery commands do and what they report (`flask eqia
send-notifications`, `list-failed-notifications`, `retry-notifications`): the
command line only reads the arguments, prints these lines and commits), and
the sweep's step that queues a delivery of what is due (`deliver_due`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app

from eqia.i18n import in_language
from eqia.notifications import outbox
from eqia.notifications.messages import written
from eqia.notifications.sender import send_due

NOTHING_TO_SEND = "Nothing to send."
SENT = "Sent {sent} notification(s)"
TO_RETRY = "; {count} refused or not sent, to be tried again later"
SET_ASIDE = "; {count} set aside after failing: see `flask eqia list-failed-notifications`"
CONNECTION_LOST = "The mail server closed the connection: the rest wait for the next run."
NONE_FAILED = "No notification has failed."
FAILED_HEADING = "{count} notification(s) could not be sent and wait for an admin:"
FAILED_ONE = "- {id}: to {recipient}, \u201c{subject}\u201d, {attempts} attempt(s): {failure}"
FAILED_HOW_TO_RETRY = "Send them again with `flask eqia retry-notifications --id ID` (or --all)."
PUT_BACK = "Put {count} notification(s) back in the queue: the next `flask eqia send-notifications` sends them."


def _english(words) -> str:
    """The command line speaks English, whatever language a page last spoke in this process."""
    with in_language("en"):
        return str(words)


@dataclass(frozen=True)
class Report:
    lines: list[str]
    ok: bool = True  # False: some attempt failed, so the command exits 1


def send(config: dict[str, Any], limit: int) -> Report:
    """Send up to `limit` due messages and say how it went. Raises
    sender.Unreachable, having claimed nothing, if the server cannot be reached."""
    run = send_due(config, limit)
    if run is None:
        return Report([NOTHING_TO_SEND])
    line = SENT.format(sent=run.sent)
    if run.to_retry:
        line += TO_RETRY.format(count=run.to_retry)
    if run.set_aside:
        line += SET_ASIDE.format(count=run.set_aside)
    lines = [line + "."]
    if run.connection_lost:
        lines.append(CONNECTION_LOST)
    return Report(lines, ok=not (run.to_retry or run.set_aside or run.connection_lost))


def failed_report(config: dict[str, Any]) -> Report:
    """The messages set aside after failing, each with what it met (and its subject in words)."""
    failed = outbox.failed_messages()
    if not failed:
        return Report([NONE_FAILED])
    lines = [FAILED_HEADING.format(count=len(failed))]
    for m in failed:
        reply = " ".join(str(part) for part in (m.smtp_code, m.last_error) if part not in (None, ""))
        subject = written(m, config["EQIA_BASE_URL"], language="en").subject  # the command line speaks English
        lines.append(FAILED_ONE.format(id=m.id, recipient=m.recipient, subject=subject, attempts=m.attempts,
                                       failure=_english(outbox.FAILURES.get(m.failure, m.failure)))
                     + (f" ({reply})" if reply else ""))
    lines.append(FAILED_HOW_TO_RETRY)
    return Report(lines)


def retry(message_ids: list[int] | None) -> Report:
    """Put failed messages (the given ones, or all) back in the queue; the
    caller commits. Raises outbox.NotFailed for an id that has not failed."""
    return Report([PUT_BACK.format(count=outbox.put_back(message_ids))])


def deliver_due(today: date, now: datetime) -> int:
    """A step of the sweep (eqia.services.sweep): a delivery for the messages due now
    (refused once and waiting to be tried again, or queued while no worker ran), queued
    once the sweep commits, as `flask eqia send-notifications` from cron did. The
    outbox's claims keep each message sent once however many deliveries run. Returns
    how many are due."""
    due = outbox.due_count(now)
    if due:
        outbox.deliver_after_commit(current_app._get_current_object())
    return due
