"""The task queue: background work runs as tasks on Huey (README, "Task
queue"), taken from the queue by `flask eqia worker` processes, never by
threads of the web process.

Each app has its own queue (`queue_for`), built when it is first used, from
EQIA_QUEUE_URL: unset, a SQLite file of its own (instance/queue.sqlite), so
`make run` needs nothing but SQLite; `redis://...` when workers on several
machines share the queue. Nothing about the queue lives in module state:
several apps in one process (the tests) each have their own.

A task is a function registered with `@task()` (eqia.tasks.queue) in a
module of this package, imported here: delivering the notifications
(eqia.tasks.notify) and rendering a saved draft's PDF (eqia.tasks.render); a
periodic one with `@periodic_task(minute=...)` (eqia.tasks.sweep), which every
consumer fires. It takes plain
values only (ids, never rows: the queue pickles them) and runs inside the
app's context as one unit of work (eqia/unit_of_work.py). `enqueue(app,
name, *args)` puts it in the queue; enqueue only what is committed (an
after-commit hook: eqia/notifications/listeners.py,
eqia/services/prerender.py), so a worker never
looks for a row that is not there yet or was rolled back.
"""

from eqia.tasks import figures, notify, render, sweep  # noqa: F401  (register their tasks)
from eqia.tasks.queue import EXTENSION, Queue, consumer, enqueue, periodic_task, queue_for, storage, task

__all__ = ["EXTENSION", "Queue", "consumer", "enqueue", "periodic_task", "queue_for", "storage", "task"]
