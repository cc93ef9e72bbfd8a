"""Rendering in worker processes, and a draft's PDF rendered in the background
after each save, so "Download PDF" after an edit serves bytes already made."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa

from eqia.config import PROJECT_ROOT
from eqia.extensions import db
from eqia.models import Assessment, AssessmentDocument
from eqia.pdf import checks
from eqia.services.pdf_document import html_for
from eqia.pdf.render import pdf_from_html
from eqia.pdf.worker import Pool, RenderFailed, RenderTimedOut
from eqia.pdf.worker import pool as worker_pool
from eqia.services import version_pdfs
from eqia.services.prerender import scheduler
from tests.conftest import PASSWORD, FreshRequestClient
from tests.test_assessment_pages import form_data
from tests.test_pdf import text_of

WAIT = 120  # seconds: generous, the suite may share the machine; nothing here is a timing assertion


@pytest.fixture
def pool():
    made = Pool(1)
    yield made
    made.close()


def drafts_of(assessment_id: int) -> list[AssessmentDocument]:
    db.session.expire_all()
    return db.session.execute(sa.select(AssessmentDocument).where(
        AssessmentDocument.assessment_id == assessment_id, AssessmentDocument.kind == version_pdfs.DRAFT)
        .order_by(AssessmentDocument.id)).scalars().all()


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


@pytest.fixture
def prerendering(make_app):
    app = make_app(EQIA_PDF_PRERENDER=True)
    app.test_client_class = FreshRequestClient
    yield app
    assert scheduler.wait_idle(WAIT)


def test_a_save_renders_the_draft_in_the_background_and_the_download_serves_it(prerendering, world):
    assessment = world.make_assessment()
    client = prerendering.test_client()
    with prerendering.app_context():
        client.post("/sign-in", data={"email": world.author.email, "password": PASSWORD})
        response = client.post(f"/assessments/{assessment.id}/details", data=form_data(
            world, aims="Aims written just now", lock_version=str(assessment.lock_version)))
        assert response.status_code == 302
        assert scheduler.wait_idle(WAIT)
        [kept] = drafts_of(assessment.id)
        assert kept.fingerprint == version_pdfs.fingerprint(db.session.get(Assessment, assessment.id))
        before = worker_pool(prerendering.config["EQIA_PDF_WORKERS"]).renders
        download = client.get(f"/assessments/{assessment.id}/pdf")
        assert download.status_code == 200
        assert hashlib.sha256(download.data).hexdigest() == kept.sha256  # the background's bytes
        assert "Aims written just now" in text_of(download.data)
        assert worker_pool(prerendering.config["EQIA_PDF_WORKERS"]).renders == before  # nothing rendered again


def test_a_download_while_the_background_renders_waits_for_that_render(prerendering, world):
    assessment = world.make_assessment()
    client = prerendering.test_client()
    with prerendering.app_context():
        client.post("/sign-in", data={"email": world.author.email, "password": PASSWORD})
        renders = worker_pool(prerendering.config["EQIA_PDF_WORKERS"])
        before = renders.renders
        client.post(f"/assessments/{assessment.id}/details", data=form_data(
            world, aims="Aims saved then downloaded at once", lock_version=str(assessment.lock_version)))
        download = client.get(f"/assessments/{assessment.id}/pdf")  # straight away
        assert scheduler.wait_idle(WAIT)
        assert renders.renders == before + 1  # one render between them, not two
        [kept] = drafts_of(assessment.id)
        assert hashlib.sha256(download.data).hexdigest() == kept.sha256


def test_a_refused_save_and_a_signed_version_queue_nothing(prerendering, world):
    draft = world.make_assessment()
    signed = world.make_assessment("signed_off")
    client = prerendering.test_client()
    with prerendering.app_context():
        client.post("/sign-in", data={"email": world.author.email, "password": PASSWORD})
        before = scheduler.rendered
        refused = client.post(f"/assessments/{draft.id}/details", data=form_data(world, title="", lock_version=str(
            draft.lock_version)))
        assert refused.status_code == 200  # the form again, with its error
        assert scheduler.wait_idle(WAIT) and scheduler.rendered == before and drafts_of(draft.id) == []
        assert version_pdfs.prerender(signed.id) is False  # its PDF was stored at sign-off
        assert drafts_of(signed.id) == []


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


def _save_details(client, world, assessment_id: int, aims: str):
    db.session.expire_all()
    lock = db.session.get(Assessment, assessment_id).lock_version
    response = client.post(f"/assessments/{assessment_id}/details", data=form_data(
        world, aims=aims, lock_version=str(lock)))
    assert response.status_code == 302


def test_writes_through_the_api_queue_no_render(prerendering, world):
    from eqia.interchange.exporter import export
    from eqia.services import tokens

    assessment = world.make_assessment("screening")
    doc = export(world.make_assessment())
    _, token = tokens.create_token(world.author, "tests")
    db.session.commit()  # the service flushes; the command that makes a token commits it
    client = prerendering.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    with prerendering.app_context(), scheduler.hold():
        created = client.post("/api/v1/assessments", json=doc, headers=bearer)
        assert created.status_code == 201, created.data
        acted = client.post(f"/api/v1/assessments/{assessment.id}/actions/start_full_assessment",
                            json={"lock_version": assessment.lock_version}, headers=bearer)
        assert acted.status_code == 200, acted.data
        assert scheduler.pending() == []


def test_many_browser_saves_of_one_assessment_queue_one_render(prerendering, world):
    assessment = world.make_assessment()
    client = prerendering.test_client()
    with prerendering.app_context():
        client.post("/sign-in", data={"email": world.author.email, "password": PASSWORD})
        before = scheduler.rendered
        with scheduler.hold():
            for n in range(5):
                _save_details(client, world, assessment.id, f"Aims, draft {n}")
            assert scheduler.pending() == [assessment.id]
        assert scheduler.wait_idle(WAIT)
        assert scheduler.rendered == before + 1
        [kept] = drafts_of(assessment.id)
        assert kept.fingerprint == version_pdfs.fingerprint(db.session.get(Assessment, assessment.id))


def test_the_queue_keeps_at_most_its_configured_size_dropping_the_longest_waiting(make_app, world):
    app = make_app(EQIA_PDF_PRERENDER=True, EQIA_PDF_PRERENDER_QUEUE=2)
    app.test_client_class = FreshRequestClient
    first, second, third = (world.make_assessment() for _ in range(3))
    client = app.test_client()
    with app.app_context():
        client.post("/sign-in", data={"email": world.author.email, "password": PASSWORD})
        dropped = scheduler.dropped
        with scheduler.hold():
            for n, a in enumerate((first, second, third, second)):
                _save_details(client, world, a.id, f"Aims saved in a burst, save {n}")
            assert scheduler.pending() == [third.id, second.id]
            assert scheduler.dropped == dropped + 1
        assert scheduler.wait_idle(WAIT)


def test_the_queue_size_is_a_setting_with_a_bound():
    from eqia.config import ConfigError, from_environment

    assert from_environment({"EQIA_ENV": "development"})["EQIA_PDF_PRERENDER_QUEUE"] == 32
    assert from_environment({"EQIA_ENV": "development", "EQIA_PDF_PRERENDER_QUEUE": "5"})[
        "EQIA_PDF_PRERENDER_QUEUE"] == 5
    with pytest.raises(ConfigError, match="EQIA_PDF_PRERENDER_QUEUE must be a whole number from 0 to 10000"):
        from_environment({"EQIA_ENV": "development", "EQIA_PDF_PRERENDER_QUEUE": "lots"})
