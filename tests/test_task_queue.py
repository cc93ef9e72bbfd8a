"""The task queue (eqia/tasks), with a real Huey consumer: threads in this
process, or `flask eqia worker` in a subprocess, on the default SQLite storage
in a temporary file and on Redis (127.0.0.1:6379, db 15) when one is reachable.
A transition's e-mails reach a real SMTP server on loopback (Mailbox) through
the queue alone, each once, however many workers take deliveries; a
transition rolled back queues nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from eqia.config import PROJECT_ROOT, ConfigError, from_environment
from eqia.extensions import db
from eqia.models import OutboxMessage
from eqia.services.workflow import perform_transition
from eqia.tasks import EXTENSION, consumer, enqueue, queue_for, storage
from eqia.tasks.notify import DELIVER
from tests.conftest import PASSWORD
from tests.test_notifications import Mailbox

REDIS_URL = "redis://127.0.0.1:6379/15"
LEADS = ["lead2@example.test", "lead@example.test"]  # told of a proposed screen-out
WAIT = 60  # seconds at most for a message to arrive: a guard against hanging, not a timing


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["sqlite", "redis"])
def queue_config(request, tmp_path) -> Iterator[dict]:
    """Where the test's queue is: a SQLite file in tmp_path, or a queue of its own in Redis db 15."""
    name = f"eqiatest{uuid.uuid4().hex}"
    if request.param == "sqlite":
        yield {"EQIA_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite'}", "EQIA_QUEUE_NAME": name}
        return
    if not _redis_reachable():
        pytest.skip(f"no Redis at {REDIS_URL}")
    import redis

    yield {"EQIA_QUEUE_URL": REDIS_URL, "EQIA_QUEUE_NAME": name}
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{name}*"):  # only this test's: other test processes share db 15
        client.delete(key)
    client.close()


@contextmanager
def mailbox_on(app, queue: dict) -> Iterator[Mailbox]:
    with Mailbox() as box:
        app.config.update(queue, SMTP_HOST="127.0.0.1", SMTP_PORT=box.port)
        app.extensions.pop(EXTENSION, None)  # built again, on this queue
        yield box


@pytest.fixture
def mailbox(app, queue_config) -> Iterator[Mailbox]:
    with mailbox_on(app, queue_config) as box:
        yield box


@pytest.fixture
def sqlite_mailbox(app, tmp_path) -> Iterator[Mailbox]:
    """The worker command's own queue: a SQLite file (the in-process tests cover Redis too)."""
    with mailbox_on(app, {"EQIA_QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite'}"}) as box:
        yield box


@contextmanager
def running(app, workers: int = 1) -> Iterator[None]:
    """A real consumer of the app's queue in this process (threads), stopped
    gracefully afterwards; huey's signal handlers are replaced by those before."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    worker = consumer(app, workers)
    worker.start()
    try:
        yield
    finally:
        worker.stop(graceful=True)
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {WAIT} s for {what}")
        time.sleep(0.05)


def proposed_screen_out(world) -> int:
    """An assessment whose screen-out is proposed, committed: its message to each lead is queued."""
    assessment = world.make_assessment()
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    world.take(assessment, "propose_screen_out")
    return assessment.id


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def test_a_transition_s_e_mails_arrive_once_through_the_queue(app, world, mailbox):
    before = signal.getsignal(signal.SIGINT)
    with running(app):
        assert signal.getsignal(signal.SIGINT) is not before  # huey's own, while it runs
        proposed_screen_out(world)
        wait_until(lambda: len(mailbox.received) >= 2, "the leads' e-mails")
        wait_until(lambda: queue_for(app).huey.pending_count() == 0, "the queue to empty")
    assert signal.getsignal(signal.SIGINT) is before
    # Stopped gracefully: every task the consumer took has finished.
    assert sorted(m["To"] for m in mailbox.received) == LEADS
    assert all(m.sent_at is not None and m.attempts == 1 for m in outbox())


def test_two_consumers_never_send_a_message_twice(app, make_app, world, mailbox):
    for _ in range(3):
        assessment = world.make_assessment()
        world.take(assessment, "propose_screen_out")
    for _ in range(4):  # more deliveries than messages: both consumers take some at once
        enqueue(app, DELIVER)
    shared = ("EQIA_QUEUE_URL", "EQIA_QUEUE_NAME", "SMTP_HOST", "SMTP_PORT")
    other = make_app(**{k: app.config[k] for k in shared})
    with running(app, workers=2), running(other, workers=2):
        wait_until(lambda: len(mailbox.received) >= 6, "six e-mails")
        wait_until(lambda: queue_for(app).huey.pending_count() == 0, "the queue to empty")
    assert Counter(m["To"] for m in mailbox.received) == Counter({lead: 3 for lead in LEADS})
    assert Counter(m["Subject"] for m in mailbox.received) == Counter(
        {subject: 2 for subject in {m["Subject"] for m in mailbox.received}})
    assert len(outbox()) == 6 and all(m.sent_at is not None and m.attempts == 1 for m in outbox())


def test_a_transition_rolled_back_queues_nothing(app, world, mailbox):
    assessment = world.make_assessment()
    db.session.execute(sa.delete(OutboxMessage))
    db.session.commit()
    queue_for(app).huey.flush()  # what making it queued (the lead's figures to work out)
    perform_transition(assessment.id, "propose_screen_out", world.author, comment="No group is affected",
                       attested=True, password=PASSWORD)
    assert len(outbox()) == 2  # queued in the transaction...
    db.session.rollback()
    assert outbox() == []  # ...and gone with it
    assert queue_for(app).huey.pending_count() == 0
    # Without a worker, a committed transition's delivery waits in the queue (as in the rest of the suite).
    world.take(assessment, "propose_screen_out")
    assert sorted(task.name for task in queue_for(app).huey.pending()) == ["deliver_notifications", "work_out_figures"]
    assert mailbox.received == []


def test_the_worker_command_delivers_and_stops_cleanly_on_ctrl_c(app, world, sqlite_mailbox, database_url_for_test):
    mailbox = sqlite_mailbox
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url_for_test,
           "SECRET_KEY": "x" * 32, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port),
           "EQIA_QUEUE_URL": app.config["EQIA_QUEUE_URL"], "EQIA_PDF_WORKERS": "0", "EQIA_PDF_PRERENDER": "0"}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "eqia.wsgi:app", "eqia", "worker"],
                              cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        app.config["EQIA_QUEUE_NAME"] = "eqia"  # the command's queue
        app.extensions.pop(EXTENSION, None)
        proposed_screen_out(world)
        wait_until(lambda: len(mailbox.received) >= 2 or worker.poll() is not None, "the worker to deliver")
        worker.send_signal(signal.SIGINT)
        out, err = worker.communicate(timeout=WAIT)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, err
    assert "Consumer exiting" in err
    assert sorted(m["To"] for m in mailbox.received) == LEADS


def test_the_queue_is_a_sqlite_file_of_its_own_unless_a_redis_url_is_given(tmp_path):
    assert storage("", str(tmp_path))[1] == {"filename": str(tmp_path / "queue.sqlite")}
    assert storage(REDIS_URL, str(tmp_path))[0].__name__ == "RedisStorage"
    assert from_environment({"EQIA_ENV": "development"})["EQIA_QUEUE_URL"] == ""
    with pytest.raises(ConfigError, match="EQIA_QUEUE_URL"):
        from_environment({"EQIA_ENV": "development", "EQIA_QUEUE_URL": "amqp://127.0.0.1"})
