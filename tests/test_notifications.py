"""The notification outbox, against a real SMTP server on loopback: each message
is claimed by one sender, sent once, tried again later when it is refused, and
set aside for an admin after the configured number of attempts."""

from __future__ import annotations

import asyncio
import email
import os
import socket
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from eqia.config import PROJECT_ROOT, ConfigError, from_environment
from eqia.extensions import db
from eqia.models import AuditEvent, OutboxMessage, utcnow
from tests.conftest import DB_KIND

REFUSED = "gone@example.test"


class Mailbox:
    """An SMTP server on an ephemeral loopback port that keeps what it accepts.

    refuse: recipients it always refuses (550).
    drop_after: close the connection once, after this many messages, either at
        the next MAIL command (the last message was confirmed) or, with
        drop_before_reply, as soon as the last message has arrived, before
        confirming it (the sender cannot know it was delivered).
    senders_at_once: hold each connection's first message until this many
        connections have reached it, so that senders really overlap.
    """

    def __init__(self, refuse=(), drop_after=None, drop_before_reply=False, senders_at_once=0):
        self.refuse = set(refuse)
        self.drop_after = drop_after
        self.drop_before_reply = drop_before_reply
        self.senders_at_once = senders_at_once
        self.received: list[email.message.Message] = []
        self.refusals = Counter()
        self.dropped = False
        self.sessions: set[int] = set()
        self.all_here: asyncio.Event | None = None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def _drop(self, server) -> None:
        self.dropped = True
        server.transport.abort()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.senders_at_once and id(session) not in self.sessions:
            self.sessions.add(id(session))
            if self.all_here is None:
                self.all_here = asyncio.Event()
            if len(self.sessions) >= self.senders_at_once:
                self.all_here.set()
            # Not a timed assertion: only a guard against hanging if a sender never comes.
            try:
                await asyncio.wait_for(self.all_here.wait(), 60)
            except asyncio.TimeoutError:
                pass
        if (self.drop_after is not None and not self.drop_before_reply and not self.dropped
                and len(self.received) == self.drop_after):
            self._drop(server)
            return "421 Closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            self.refusals[address] += 1
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content))
        if (self.drop_after is not None and self.drop_before_reply and not self.dropped
                and len(self.received) == self.drop_after):
            self._drop(server)
        return "250 OK"

    def subjects(self) -> Counter:
        return Counter(m["Subject"] for m in self.received)


def queue(world, recipients: list[str]) -> list[int]:
    """Queue one message to each recipient (each with its own subject), as a
    transition would, and return their ids."""
    world.make_assessment()
    event_id = db.session.execute(sa.select(sa.func.max(AuditEvent.id))).scalar_one()
    db.session.execute(sa.delete(OutboxMessage))
    messages = [OutboxMessage(audit_event_id=event_id, recipient=r, subject=f"Message {n}", body=f"Body {n}")
                for n, r in enumerate(recipients, 1)]
    db.session.add_all(messages)
    db.session.commit()
    return [m.id for m in messages]


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def send(runner, *args):
    return runner.invoke(args=["eqia", "send-notifications", *args])


def test_a_refused_recipient_does_not_hold_up_the_others_and_is_set_aside_after_the_last_attempt(
        app, runner, world):
    app.config.update(EQIA_NOTIFY_MAX_ATTEMPTS=3, EQIA_NOTIFY_RETRY_SECONDS=0)
    others = [f"person{n}@example.test" for n in range(1, 5)]
    queue(world, [REFUSED] * 3 + others)
    with Mailbox(refuse=[REFUSED]) as mailbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port)
        # Three at a time: the three refused messages come first in the queue.
        for _ in range(5):
            send(runner, "--limit", "3")
        assert sorted(m["To"] for m in mailbox.received) == others
        assert mailbox.refusals[REFUSED] == 9  # three messages, three attempts each, then no more
        assert set(mailbox.subjects().values()) == {1}
        last = send(runner)
    assert last.exit_code == 0, last.output
    assert last.output == "Nothing to send.\n"
    refused = [m for m in outbox() if m.recipient == REFUSED]
    assert all(m.failed_at is not None and m.sent_at is None and m.attempts == 3 for m in refused)
    assert {(m.failure, m.smtp_code, m.last_error) for m in refused} == {
        ("refused", 550, "5.1.1 Mailbox unavailable")}
    assert all(m.sent_at is not None and m.failed_at is None for m in outbox() if m.recipient != REFUSED)

    listed = runner.invoke(args=["eqia", "list-failed-notifications"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.startswith("3 notification(s) could not be sent and wait for an admin:\n")
    for m in refused:
        assert (f"- {m.id}: to {REFUSED}, \u201c{m.subject}\u201d, 3 attempt(s): the mail server refused it "
                "(550 5.1.1 Mailbox unavailable)") in listed.output


def test_a_refused_message_waits_longer_after_each_attempt(app, runner, world):
    app.config.update(EQIA_NOTIFY_RETRY_SECONDS=3600)
    queue(world, [REFUSED, "person@example.test"])
    with Mailbox(refuse=[REFUSED]) as mailbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port)
        before = utcnow()
        first = send(runner)
        assert first.exit_code == 1
        assert first.output == "Sent 1 notification(s); 1 refused or not sent, to be tried again later.\n"
        message = outbox()[0]
        assert message.attempts == 1 and message.failed_at is None and message.claimed_by == ""
        assert message.next_attempt_at >= before + timedelta(hours=1)
        # Not due yet: a second run leaves it alone.
        assert send(runner).output == "Nothing to send.\n"
        assert mailbox.refusals[REFUSED] == 1
        # Once due, it is tried again, and then waits twice as long.
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == message.id)
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        before = utcnow()
        send(runner)
        assert mailbox.refusals[REFUSED] == 2
        message = outbox()[0]
        assert message.attempts == 2 and message.next_attempt_at >= before + timedelta(hours=2)


def _sender(url: str, port: int) -> subprocess.Popen:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": url, "SECRET_KEY": "x" * 32,
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "EQIA_PDF_WORKERS": "0", "EQIA_PDF_PRERENDER": "0"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "eqia.wsgi:app", "eqia", "send-notifications"],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_senders_at_once_send_each_message_once(app, world, database_url_for_test):
    ids = queue(world, [f"person{n}@example.test" for n in range(1, 10)])
    with Mailbox(senders_at_once=2) as mailbox:
        senders = [_sender(database_url_for_test, mailbox.port) for _ in range(2)]
        outputs = [s.communicate(timeout=180) for s in senders]
    for sender, (out, err) in zip(senders, outputs):
        assert sender.returncode == 0, err
    assert len(mailbox.sessions) == 2  # both senders were sending at once
    assert mailbox.subjects() == Counter({f"Message {n}": 1 for n in range(1, 10)})
    assert [m.id for m in outbox() if m.sent_at is not None] == ids
    # Between them they sent all nine, each once.
    assert sorted(int(out.split()[1]) for out, _ in outputs)[0] >= 1
    assert sum(int(out.split()[1]) for out, _ in outputs) == 9


def test_a_connection_dropped_between_messages_sends_none_twice(app, runner, world):
    app.config.update(EQIA_NOTIFY_RETRY_SECONDS=0)
    queue(world, [f"person{n}@example.test" for n in range(1, 7)])
    with Mailbox(drop_after=3) as mailbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port)
        first = send(runner)
        assert first.exit_code == 1
        assert "The mail server closed the connection: the rest wait for the next run." in first.output
        assert mailbox.dropped and len(mailbox.received) == 3
        second = send(runner)
        assert second.exit_code == 0, second.output
    assert mailbox.subjects() == Counter({f"Message {n}": 1 for n in range(1, 7)})
    assert all(m.sent_at is not None for m in outbox())


def test_a_message_whose_acceptance_was_lost_is_not_sent_again(app, runner, world):
    app.config.update(EQIA_NOTIFY_RETRY_SECONDS=0)
    queue(world, [f"person{n}@example.test" for n in range(1, 7)])
    with Mailbox(drop_after=3, drop_before_reply=True) as mailbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port)
        first = send(runner)
        assert first.exit_code == 1
        assert mailbox.dropped and len(mailbox.received) == 3
        for _ in range(3):
            send(runner)
    # The third reached the server, whose confirmation never came: it may have been delivered, so it is
    # set aside for an admin, not sent again.
    assert mailbox.subjects() == Counter({f"Message {n}": 1 for n in range(1, 7)})
    third = outbox()[2]
    assert third.sent_at is None and third.failed_at is not None and third.failure == "unconfirmed"
    assert [m.sent_at is not None for m in outbox()] == [True, True, False, True, True, True]
    listed = runner.invoke(args=["eqia", "list-failed-notifications"]).output
    assert (f"- {third.id}: to person3@example.test, \u201cMessage 3\u201d, 1 attempt(s): the connection was lost "
            "after the message was sent, before the mail server confirmed it, so it may have been delivered: "
            "ask the recipient before sending it again") in listed


def test_a_sender_that_stopped_midway_leaves_its_message_to_the_next_run(app, runner, world):
    app.config.update(EQIA_NOTIFY_MAX_ATTEMPTS=3)
    first, second, third = queue(world, ["person1@example.test", "person2@example.test", "person3@example.test"])
    now = utcnow()
    # The first claimed by a sender that crashed (its claim has run out), the second by a sender still at
    # work, the third by a sender that crashed during the last attempt allowed.
    for message_id, by, until, attempts in ((first, "crashed", now - timedelta(seconds=1), 1),
                                            (second, "working", now + timedelta(minutes=10), 1),
                                            (third, "crashed", now - timedelta(seconds=1), 3)):
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == message_id)
                           .values(claimed_by=by, claimed_until=until, attempts=attempts))
    db.session.commit()
    with Mailbox() as mailbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port)
        result = send(runner)
    assert result.exit_code == 1, result.output
    assert result.output == ("Sent 1 notification(s); 1 set aside after failing: see "
                             "`flask eqia list-failed-notifications`.\n")
    assert [m["Subject"] for m in mailbox.received] == ["Message 1"]
    assert [(m.sent_at is not None, m.failed_at is not None, m.attempts) for m in outbox()] == [
        (True, False, 2), (False, False, 1), (False, True, 3)]
    assert outbox()[2].failure == "interrupted"


def test_a_claim_taken_between_reading_and_claiming_is_not_taken_twice(app, make_app, world):
    """Force the race a sender's claim must survive: between its reading the
    oldest due message and claiming it, another sender claims at once."""
    from eqia.notifications.outbox import claim_next

    first, second = queue(world, ["person1@example.test", "person2@example.test"])
    # Should the other sender ever wait for this one's lock, it gives up rather than waiting for ever (this
    # sender waits for it): a failure, not a hang.
    other_app = make_app(**({"SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": "-c lock_timeout=10000"}}}
                            if DB_KIND == "postgres" else {}))
    theirs = []

    def the_other_sender_claims(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE OUTBOX_MESSAGE") and not theirs:
            with other_app.app_context():
                theirs.append(claim_next("theirs", utcnow()).id)
                db.session.commit()

    sa.event.listen(db.engine, "before_cursor_execute", the_other_sender_claims)
    try:
        mine = claim_next("mine", utcnow())
        db.session.commit()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", the_other_sender_claims)
    # PostgreSQL: the row this sender read is locked, so the other skips it for the next. SQLite: the other
    # claims it first, so this sender's claim of it changes nothing and it takes the next.
    assert (mine.id, theirs) == ((first, [second]) if DB_KIND == "postgres" else (second, [first]))
    assert {(m.id, m.claimed_by, m.attempts) for m in outbox()} == {(mine.id, "mine", 1), (theirs[0], "theirs", 1)}


def test_an_admin_puts_failed_messages_back_in_the_queue(app, runner, world, auth):
    app.config.update(EQIA_NOTIFY_MAX_ATTEMPTS=1)
    ids = queue(world, [REFUSED, REFUSED, "person@example.test"])
    with Mailbox(refuse=[REFUSED]) as mailbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=mailbox.port)
        send(runner)
    assert [m.failed_at is not None for m in outbox()] == [True, True, False]

    # The admin sees it on their work page; others do not.
    auth.sign_in(world.admin)
    page = auth.client.get("/my-work").get_data(as_text=True)
    assert "2 notification e-mails could not be sent." in page
    assert "flask eqia list-failed-notifications" in page
    auth.sign_out()
    auth.sign_in(world.author)
    assert "could not be sent" not in auth.client.get("/my-work").get_data(as_text=True)

    wrong = runner.invoke(args=["eqia", "retry-notifications", "--id", str(ids[2])])
    assert wrong.exit_code == 2
    assert (f"Notification {ids[2]} has not failed: list those that have with "
            "`flask eqia list-failed-notifications`.") in wrong.output
    retried = runner.invoke(args=["eqia", "retry-notifications", "--id", str(ids[0])])
    assert retried.exit_code == 0, retried.output
    assert retried.output == ("Put 1 notification(s) back in the queue: the next `flask eqia send-notifications` "
                              "sends them.\n")
    message = outbox()[0]
    assert message.failed_at is None and message.attempts == 0 and message.next_attempt_at <= utcnow()
    with Mailbox() as mailbox:  # the recipient's mailbox works again
        app.config.update(SMTP_PORT=mailbox.port)
        assert send(runner).exit_code == 0
        assert [m["Subject"] for m in mailbox.received] == ["Message 1"]
        assert runner.invoke(args=["eqia", "retry-notifications", "--all"]).exit_code == 0
        assert send(runner).exit_code == 0
        assert [m["Subject"] for m in mailbox.received] == ["Message 1", "Message 2"]
    assert runner.invoke(args=["eqia", "list-failed-notifications"]).output == "No notification has failed.\n"


@pytest.mark.parametrize("name,value,message", [
    ("EQIA_NOTIFY_MAX_ATTEMPTS", "0", "EQIA_NOTIFY_MAX_ATTEMPTS must be a whole number from 1 to 100, not '0'"),
    ("EQIA_NOTIFY_RETRY_SECONDS", "soon", "EQIA_NOTIFY_RETRY_SECONDS must be a whole number from 0 to 86400, "
                                          "not 'soon'"),
])
def test_notification_settings_are_checked_at_start_up(name, value, message):
    assert from_environment({"EQIA_ENV": "development"})["EQIA_NOTIFY_MAX_ATTEMPTS"] == 10
    with pytest.raises(ConfigError) as raised:
        from_environment({"EQIA_ENV": "development", name: value})
    assert str(raised.value) == message


def test_an_unreachable_mail_server_is_one_line_and_nothing_is_claimed(app, runner, world):
    queue(world, ["person@example.test"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    result = send(runner)
    assert result.exit_code == 1
    assert result.output.startswith(f"Cannot reach the SMTP server at 127.0.0.1:{port}: ")
    assert result.output.count("\n") == 1
    assert [(m.attempts, m.claimed_by, m.sent_at, m.failed_at) for m in outbox()] == [(0, "", None, None)]
