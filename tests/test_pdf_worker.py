"""Rendering in worker processes (the background render of a saved draft, which
uses them, is tested in tests/test_background_render.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from eqia.config import PROJECT_ROOT
from eqia.extensions import db
from eqia.models import Assessment
from eqia.pdf import checks
from eqia.services.pdf_document import html_for
from eqia.pdf.render import pdf_from_html
from eqia.pdf.worker import Pool, RenderFailed, RenderTimedOut
from eqia.services import version_pdfs
from tests.test_pdf import text_of


@pytest.fixture
def pool():
    made = Pool(1)
    yield made
    made.close()


def test_a_worker_renders_what_this_process_renders(world, pool):
    page, extra = html_for(world.make_assessment("full_assessment"))
    here, there = pdf_from_html(page, extra), pool.render(page, extra)
    assert text_of(there) == text_of(here)
    assert checks.problems(there) == []


def test_the_worker_loads_the_renderer_and_not_the_web_application():
    code = ("import sys, eqia.pdf.worker, eqia.pdf.render; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'wtforms', 'jinja2')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT)
    assert out.stdout.strip() == "[]"


def test_a_worker_that_dies_is_replaced_and_the_render_still_happens(world, pool):
    page, extra = html_for(world.make_assessment())
    pool.render(page, extra)
    [pid] = pool.pids()
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert text_of(pool.render(page, extra)) == text_of(pdf_from_html(page, extra))
    assert pool.pids() and pool.pids() != [pid]


def test_a_document_the_worker_cannot_render_is_a_clear_error_and_the_worker_goes_on(world, pool):
    with pytest.raises(RenderFailed, match="TypeError"):
        pool.render(None)  # not HTML at all
    page, extra = html_for(world.make_assessment())
    assert pool.render(page, extra).startswith(b"%PDF")


def test_rendering_in_the_web_process_is_still_possible(make_app, world):
    app = make_app(EQIA_PDF_WORKERS=0)
    with app.app_context():
        assessment = db.session.get(Assessment, world.make_assessment().id)
        assert "DRAFT" in text_of(version_pdfs.render(assessment))


def test_warming_starts_a_worker_that_the_first_render_then_uses(world, pool):
    pool.warm()
    for _ in range(600):  # until the worker has started (a bound, not a timing assertion)
        if pool.pids():
            break
        threading.Event().wait(0.1)
    started = pool.pids()
    assert len(started) == 1
    page, extra = html_for(world.make_assessment())
    pool.render(page, extra)
    assert pool.pids() == started and pool.renders == 1


def test_a_render_past_its_time_limit_is_stopped_and_the_next_one_works(world):
    quick = Pool(1, timeout=0.001)  # no real document renders this fast
    try:
        page, extra = html_for(world.make_assessment())
        with pytest.raises(RenderTimedOut):
            quick.render(page, extra)
        assert quick.pids() == []  # the worker that overran was stopped
        quick.timeout = 120
        assert quick.render(page, extra).startswith(b"%PDF")
    finally:
        quick.close()
