"""The app's queue, its tasks and its consumers: eqia.tasks says how they are used."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from huey import Huey, crontab
from huey.consumer import Consumer
from huey.storage import RedisStorage, SqliteStorage
from redis import ConnectionPool
from redis.backoff import NoBackoff
from redis.retry import Retry

from eqia.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

EXTENSION = "eqia_queue"
PROBE_EXTENSION = "eqia_queue_probe"
QUEUE_NAME = "eqia"
DEFAULT_FILE = "queue.sqlite"  # in the app's instance folder, apart from the app's own database
# SQLite storage is polled: an idle worker looks at most this often (seconds).
POLL_AT_MOST_EVERY = 1.0


@dataclass(frozen=True)
class _Task:
    fn: Callable[..., object]
    options: dict


# What a queue can run: filled when eqia.tasks.* are imported, never changed after.
_TASKS: dict[str, _Task] = {}


def task(**options) -> Callable:
    """Register a task (Huey's options: retries, priority...). Its body runs
    with the app's context, as one unit of work."""
    def register(fn: Callable) -> Callable:
        _TASKS[fn.__name__] = _Task(fn, options)
        return fn
    return register


# Periodic tasks, by name: each with when it runs (huey.crontab's arguments). Every
# consumer fires them (`consumer`): a periodic task must be safe to run from several
# workers at once (the sweep claims its period in the database).
_PERIODIC: dict[str, _Task] = {}


def periodic_task(**when: str) -> Callable:
    """Register a task the consumers run on a schedule: `when` is huey.crontab's
    minute, hour, day, month and day_of_week (each "*" unless given)."""
    def register(fn: Callable) -> Callable:
        _PERIODIC[fn.__name__] = _Task(fn, when)
        return fn
    return register


@dataclass
class Queue:
    huey: Huey
    # name -> Huey's task wrapper (calling it enqueues)
    tasks: dict[str, Callable] = field(default_factory=dict)


def _is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://", "unix://"))


def storage(url: str, instance_path: str) -> tuple[type, dict]:
    """Huey's storage class and its arguments for EQIA_QUEUE_URL (checked in eqia.config)."""
    if _is_redis(url):
        return RedisStorage, {"url": url}
    path = url.removeprefix("sqlite:///") if url else str(Path(instance_path) / DEFAULT_FILE)
    return SqliteStorage, {"filename": path}


def queue_for(app: Flask) -> Queue:
    """The app's queue, built on first use (a command that never enqueues never opens it)."""
    queue = app.extensions.get(EXTENSION)
    if queue is None:
        storage_class, kwargs = storage(app.config["EQIA_QUEUE_URL"], app.instance_path)
        # No results are kept: a task's effect is in the database (a sent notification, a kept PDF).
        # EQIA_QUEUE_NAME (not a setting for deployments): the tests give each their own in one Redis.
        huey = Huey(app.config.get("EQIA_QUEUE_NAME", QUEUE_NAME), results=False, utc=True,
                    store_intermediate_errors=False, storage_class=storage_class, **kwargs)
        queue = Queue(huey)
        for name, registered in _TASKS.items():
            queue.tasks[name] = huey.task(name=name, **registered.options)(_in_app(app, registered.fn))
        for name, registered in _PERIODIC.items():
            queue.tasks[name] = huey.periodic_task(crontab(**registered.options), name=name,
                                                   retries=0)(_in_app(app, registered.fn))
        app.extensions[EXTENSION] = queue
    return queue


def pending_for_probe(app: Flask, timeout: float) -> int:
    """How many tasks wait, read for a readiness probe. On Redis, through a storage of its own whose
    connecting and each reply may take `timeout` seconds at most, tried once: redis-py waits for ever by
    default, so a server that takes the connection and never answers would hold the probe until the load
    balancer gave up on it, instead of its saying "down". The workers' and the requests' storage keeps the
    defaults (a worker's blocking read waits on purpose). On SQLite, the queue's own storage."""
    url = app.config["EQIA_QUEUE_URL"]
    if not _is_redis(url):
        return queue_for(app).huey.pending_count()
    probe = app.extensions.get(PROBE_EXTENSION)
    if probe is None:
        pool = ConnectionPool.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout,
                                       retry=Retry(NoBackoff(), 0))
        probe = RedisStorage(app.config.get("EQIA_QUEUE_NAME", QUEUE_NAME), connection_pool=pool)
        app.extensions[PROBE_EXTENSION] = probe
    return probe.queue_size()


def _in_app(app: Flask, fn: Callable) -> Callable:
    def run(*args):
        with app.app_context(), unit_of_work():
            return fn(*args)
    run.__name__ = fn.__name__
    return run


def enqueue(app: Flask, name: str, *args) -> None:
    """Put a task in the app's queue; a worker runs it."""
    queue_for(app).tasks[name](*args)


def consumer(app: Flask, workers: int) -> Consumer:
    """A consumer of the app's queue: `workers` threads (the PDF renders already
    run in processes of their own, eqia.pdf.worker). `run()` installs its own
    SIGINT (finish the tasks under way, then stop), SIGTERM (stop now) and
    SIGHUP (restart) handlers. Each consumer also fires the periodic tasks
    (`periodic_task`) when they are due."""
    return queue_for(app).huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                               initial_delay=0.05, max_delay=POLL_AT_MOST_EVERY)

