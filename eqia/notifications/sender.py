"""Send the due messages of the outbox through the configured SMTP server, each once.

Each message is a task of two units of work (eqia/unit_of_work.py): its claim
is committed before it is offered to the server, and the outcome is committed
as soon as the server answers, so a run that stops midway (a dropped
connection, a crash) never sends again what was already accepted. The one
case that cannot be told apart is a connection lost after the whole message
went to the server but before its reply: the server may have delivered it.
Such a message is set aside for an admin, not sent again: a missing e-mail can
be sent later, a duplicate cannot be recalled.
"""

from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from eqia.extensions import db
from eqia.models import OutboxMessage, utcnow
from eqia.notifications import outbox
from eqia.notifications.messages import written
from eqia.unit_of_work import unit_of_work


class Unreachable(Exception):
    pass


class _Connection(smtplib.SMTP):
    """smtplib's client, noting when the whole of a message has gone to the
    server: DATA sends the command as text, then the message as bytes in one
    call, once the server has said to go ahead."""

    in_data = False
    message_sent = False

    def data(self, msg):
        self.in_data = True
        try:
            return super().data(msg)
        finally:
            self.in_data = False

    def send(self, s):
        super().send(s)
        if self.in_data and isinstance(s, bytes):
            self.message_sent = True


@dataclass
class Run:
    sent: int = 0
    to_retry: int = 0
    set_aside: int = 0
    connection_lost: bool = False


def _email(message: OutboxMessage, sender_address: str, base_url: str) -> EmailMessage:
    words = written(message, base_url)  # in the words of the day it is sent
    email = EmailMessage()
    email["From"] = sender_address
    email["To"] = message.recipient
    email["Subject"] = words.subject
    email.set_content(words.body)
    if words.html is not None:
        # multipart/alternative: the plain text first, the HTML as the richer alternative to it.
        email.add_alternative(words.html, subtype="html")
    return email


def _reply(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def send_due(config: dict, limit: int) -> Run | None:
    """Send up to `limit` due messages; None if nothing was due. Raises
    Unreachable, having claimed nothing, if the server cannot be reached."""
    max_attempts = config["EQIA_NOTIFY_MAX_ATTEMPTS"]
    first_wait = timedelta(seconds=config["EQIA_NOTIFY_RETRY_SECONDS"])
    run = Run()
    with unit_of_work():
        run.set_aside += outbox.set_aside_interrupted(max_attempts)
    started = utcnow()
    if not outbox.due_count(started):
        db.session.rollback()
        return None if not run.set_aside else run
    try:
        smtp = _Connection(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30)
    except OSError as exc:
        raise Unreachable(f"Cannot reach the SMTP server at {config['SMTP_HOST']}:{config['SMTP_PORT']}: "
                          f"{exc}") from None
    me = uuid.uuid4().hex
    with smtp:
        for _ in range(limit):
            with unit_of_work():
                message = outbox.claim_next(me, started)
            if message is None:
                break
            smtp.message_sent = False
            failure = code = None
            error = ""
            try:
                smtp.send_message(_email(message, config["SMTP_FROM"], config["EQIA_BASE_URL"]))
            except smtplib.SMTPServerDisconnected as exc:
                failure = outbox.UNCONFIRMED if smtp.message_sent else outbox.DISCONNECTED
                error = str(exc)
            except smtplib.SMTPRecipientsRefused as exc:
                failure = outbox.REFUSED
                code, text = next(iter(exc.recipients.values()))
                error = _reply(text)
            except smtplib.SMTPResponseException as exc:
                failure, code, error = outbox.REFUSED, exc.smtp_code, _reply(exc.smtp_error)
            except smtplib.SMTPException as exc:
                failure, error = outbox.REFUSED, str(exc)
            with unit_of_work():
                if failure is None:
                    outbox.mark_sent(message)
                    run.sent += 1
                elif outbox.mark_failed(message, failure, code, error, max_attempts=max_attempts,
                                        first_wait=first_wait):
                    run.set_aside += 1
                else:
                    run.to_retry += 1
            if failure in (outbox.DISCONNECTED, outbox.UNCONFIRMED):
                run.connection_lost = True
                break
    return run
