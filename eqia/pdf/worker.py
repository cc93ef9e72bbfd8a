"""Rendering PDFs in processes of their own.

Why: in the web process a render shares the interpreter with everything the
application has loaded (Flask, SQLAlchemy, the models, the forms): over 130 MiB
before the first page, and hundreds of thousands of long-lived objects that the
cyclic garbage collector walks again and again while WeasyPrint builds its
boxes, which cost a quarter of the render time (bench/pdf_render.py). A worker
imports only WeasyPrint, pikepdf and eqia.pdf, renders a small page once so the
fonts and templates are warm, then freezes what it holds (`gc.freeze`), so a
render's collections only look at the render's own objects.

The protocol is ours and local: a length-prefixed pickle of (html, extra) on
the worker's stdin, and of ("ok", pdf bytes) or ("error", message) on the pipe
that was its stdout (its stdout proper goes to stderr, so a stray print cannot
corrupt the stream). A worker that dies is replaced; after RECYCLE_AFTER
renders one is replaced anyway, so memory fragmentation cannot grow without end.
"""

from __future__ import annotations

import atexit
import gc
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
import time

from eqia.config import PROJECT_ROOT

RECYCLE_AFTER = 200
RENDER_TIMEOUT = 120.0  # seconds; the largest realistic EqIA renders in a few
_HEADER = struct.Struct("!Q")
WARM_UP = ('<!DOCTYPE html><html lang="en-GB"><head><title>Warm-up</title>'
           '<link rel="stylesheet" href="eqia-asset:///print.css"></head>'
           '<body class="draft"><h1>Warm-up</h1><table><thead><tr><th scope="col">A</th></tr></thead>'
           '<tbody><tr><td>b <strong>c</strong> <em>d</em> \u0627\u0631\u062f\u0648</td></tr></tbody>'
           '</table></body></html>')


class RenderFailed(RuntimeError):
    """The worker could not render the document (the message says why)."""


class RenderTimedOut(RenderFailed):
    """The worker took longer than its time limit; it has been stopped."""


def _send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream):
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the PDF worker closed its pipe")
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the PDF worker closed its pipe mid-answer")
    return pickle.loads(data)


class Worker:
    """One rendering process, used by one thread at a time (the pool sees to that)."""

    def __init__(self) -> None:
        # Run from the project's root, so `-m` finds this package however it was installed.
        self.process = subprocess.Popen([sys.executable, "-m", "eqia.pdf.worker"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, cwd=PROJECT_ROOT)
        self.renders = 0
        status, answer = _receive(self.process.stdout)  # ready once warm; a broken install fails here
        if status != "ready":
            raise RenderFailed(answer)

    def send(self, page: str, extra: dict[str, tuple[bytes, str]] | None) -> None:
        _send(self.process.stdin, (page, extra or {}))

    def receive(self, deadline: float, limit: float) -> bytes:
        """The answer to the request sent, waiting until `deadline` (time.monotonic)."""
        # One answer per request, read whole, so nothing is left buffered to hide from select.
        ready, _, _ = select.select([self.process.stdout], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            self.process.kill()  # a document that never finishes must not hold a worker for ever
            self.process.wait()
            raise RenderTimedOut(f"the PDF took longer than {limit:g} s to render and was stopped")
        status, answer = _receive(self.process.stdout)
        self.renders += 1
        if status != "ok":
            raise RenderFailed(answer)
        return answer

    def render(self, page: str, extra: dict[str, tuple[bytes, str]] | None, timeout: float) -> bytes:
        self.send(page, extra)
        return self.receive(time.monotonic() + timeout, timeout)

    @property
    def worn(self) -> bool:
        return self.renders >= RECYCLE_AFTER or self.process.poll() is not None

    def close(self) -> None:
        try:
            self.process.stdin.close()  # the worker's end-of-requests: it exits
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


class Pool:
    """`size` workers, started when first needed; `render` waits for a free one."""

    def __init__(self, size: int, timeout: float = RENDER_TIMEOUT) -> None:
        self.size = size
        self.timeout = timeout
        self._idle: queue.LifoQueue[Worker | None] = queue.LifoQueue()
        for _ in range(size):
            self._idle.put(None)  # a slot: its worker starts on first use
        self._all: list[Worker] = []
        self._lock = threading.Lock()
        self.renders = 0  # documents rendered, all workers together

    def render(self, page: str, extra: dict[str, tuple[bytes, str]] | None = None) -> bytes:
        """One piece on one worker, as the worker finishes it (not numbered: see render_document)."""
        held = [self._idle.get()]
        try:
            [data] = self._render_at_once(held, [page], extra)
        finally:
            self._idle.put(held[0])
        with self._lock:
            self.renders += 1
        return data

    def render_document(self, page: str, extra: dict[str, tuple[bytes, str]] | None = None) -> bytes:
        """The whole document, numbered: its parts (eqia.pdf.assemble) rendered
        at once, one on each worker free now (at least one: it waits for that),
        then put together here."""
        from eqia.pdf import assemble

        held = [self._idle.get()]
        while len(held) < self.size:
            try:
                held.append(self._idle.get_nowait())
            except queue.Empty:
                break
        pieces = assemble.parts(page, len(held))
        for spare in held[len(pieces):]:
            self._idle.put(spare)
        held = held[:len(pieces)]
        try:
            rendered = self._render_at_once(held, pieces, extra)
        finally:
            for worker in held:
                self._idle.put(worker)
        with self._lock:
            self.renders += 1
        return assemble.assemble(rendered)

    def _render_at_once(self, held: list[Worker | None], pieces: list[str], extra) -> list[bytes]:
        """Send every piece, then read every answer; `held` is updated in place
        with any worker started or replaced."""
        sent = []
        for i, piece in enumerate(pieces):
            if held[i] is None or held[i].worn:
                held[i] = self._replace(held[i])
        deadline = time.monotonic() + self.timeout  # from the sending: a worker's start is not the render's
        for i, piece in enumerate(pieces):
            try:
                held[i].send(piece, extra)
                sent.append(True)
            except OSError:
                sent.append(False)  # it died between renders: tried again below
        rendered: list[bytes] = []
        try:
            for i, piece in enumerate(pieces):
                try:
                    if not sent[i]:
                        raise EOFError("the PDF worker had gone")
                    rendered.append(held[i].receive(deadline, self.timeout))
                except (EOFError, OSError, pickle.UnpicklingError):
                    # The process died mid-render (killed, out of memory): one more try on a new one.
                    held[i] = self._replace(held[i])
                    rendered.append(self._render_again(held[i], piece, extra))
        except BaseException:
            # A failure or time-out in one piece: the others' answers are still on their way, and
            # must not be read as the next request's. Those workers are stopped and replaced.
            for worker in held[len(rendered) + 1:]:
                worker.process.kill()
                worker.process.wait()
            raise
        return rendered

    def _render_again(self, worker: Worker, page: str, extra) -> bytes:
        """The second try, on a new worker; a second death is a failure to report, not to try again."""
        try:
            return worker.render(page, extra, self.timeout)
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            raise RenderFailed(f"the PDF worker stopped twice while rendering this document: {exc}") from exc

    def _replace(self, old: Worker | None) -> Worker:
        if old is not None:
            old.close()
        new = Worker()
        with self._lock:
            if old in self._all:
                self._all.remove(old)
            self._all.append(new)
        return new

    def warm(self) -> None:
        """Start every idle slot's worker now, in the background, so the first
        PDF a user asks for does not also wait for a process to start."""
        def start() -> None:
            from eqia.pdf import assemble

            assemble.prepare()
            slots = []
            while True:
                try:
                    slots.append(self._idle.get_nowait())
                except queue.Empty:
                    break
            for worker in slots:
                try:
                    worker = worker if worker is not None and not worker.worn else self._replace(worker)
                except (RenderFailed, OSError, EOFError):
                    worker = None  # it will be tried again, and reported, on the first render
                self._idle.put(worker)

        threading.Thread(target=start, name="eqia-pdf-warm", daemon=True).start()

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._all if w.process.poll() is None]

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for w in workers:
            w.close()


_pools: dict[int, Pool] = {}
_pools_lock = threading.Lock()


def pool(size: int) -> Pool:
    """The process's pool of `size` workers (one pool per size, shared by every app)."""
    with _pools_lock:
        if size not in _pools:
            _pools[size] = Pool(size)
        return _pools[size]


@atexit.register
def _close_pools() -> None:
    for p in list(_pools.values()):
        p.close()


def main() -> None:
    """The worker's side: warm up, freeze, then answer one request at a time."""
    # Ctrl-C in a terminal reaches the whole process group: the parent decides
    # when a worker stops (by closing its stdin), so a render is never cut short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    try:
        from eqia.pdf.render import pdf_from_html

        pdf_from_html(WARM_UP)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which refuses to start
        _send(answers, ("failed", f"the PDF worker could not start: {exc}"))
        return
    gc.collect()
    gc.freeze()
    _send(answers, ("ready", os.getpid()))
    while True:
        try:
            page, extra = _receive(requests)
        except EOFError:
            return
        gc.disable()  # WeasyPrint's garbage is nearly all freed by reference counting...
        try:
            answer = ("ok", pdf_from_html(page, extra))
        except Exception as exc:  # noqa: BLE001 - the parent raises it as RenderFailed
            answer = ("error", f"{type(exc).__name__}: {exc}")
        _send(answers, answer)
        gc.enable()
        gc.collect()  # ...and the few cycles it leaves are collected once the answer is on its way


if __name__ == "__main__":
    main()
