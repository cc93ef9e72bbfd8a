"""A draft's PDF rendered on the task queue after each save in the browser
(eqia.services.prerender, eqia.tasks.render), with real Huey consumers: threads
in this process, or `flask eqia worker` in a process of its own. Where each
render stands is in the database, so a download on one process finds a render
queued by another and serves its bytes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eqia.config import PROJECT_ROOT
from eqia.extensions import db
from eqia.models import Assessment, AssessmentDocument, DraftRender, utcnow
from eqia.pdf.worker import pool as worker_pool
from eqia.services import assessments as content
from eqia.services import prerender, version_pdfs
from eqia.tasks import EXTENSION, queue_for
from eqia.tasks.render import RENDER_DRAFT
from tests.conftest import PASSWORD, TEST_AUDIT_KEY, FreshRequestClient
from tests.test_assessment_pages import form_data
from tests.test_pdf import text_of
from tests.test_task_queue import WAIT, queue_config, running, wait_until  # noqa: F401  (a fixture)


@pytest.fixture
def prerendering(make_app):
    """An app that renders saved drafts in the background, its PDF renders in one
    worker process of this test's (whose renders it counts)."""
    app = make_app(EQIA_PDF_PRERENDER=True, EQIA_PDF_WORKERS=1)
    app.test_client_class = FreshRequestClient
    return app


def signed_in(app, world):
    client = app.test_client()
    client.post("/sign-in", data={"email": world.author.email, "password": PASSWORD})
    return client


def save_details(client, world, assessment_id: int, aims: str):
    db.session.expire_all()
    lock = db.session.get(Assessment, assessment_id).lock_version
    response = client.post(f"/assessments/{assessment_id}/details", data=form_data(
        world, aims=aims, lock_version=str(lock)))
    assert response.status_code == 302
    return response


def render_row(assessment_id: int) -> DraftRender | None:
    db.session.expire_all()
    return db.session.get(DraftRender, assessment_id)


def drafts_of(assessment_id: int) -> list[AssessmentDocument]:
    db.session.expire_all()
    return db.session.execute(sa.select(AssessmentDocument).where(
        AssessmentDocument.assessment_id == assessment_id, AssessmentDocument.kind == version_pdfs.DRAFT)
        .order_by(AssessmentDocument.id)).scalars().all()


def tasks_waiting(app) -> int:
    """Render tasks in the app's queue (a transition queues the delivery of its e-mails too)."""
    return sum(1 for waiting in queue_for(app).huey.pending() if waiting.name == RENDER_DRAFT)


def current(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def test_several_browser_saves_queue_one_render_that_a_worker_keeps_and_the_download_serves(prerendering, world,
                                                                                          queue_config):
    prerendering.config.update(queue_config)  # a SQLite file, or a queue of its own in Redis
    prerendering.extensions.pop(EXTENSION, None)
    assessment = world.make_assessment()
    client = signed_in(prerendering, world)
    with prerendering.app_context():
        for n in range(4):
            save_details(client, world, assessment.id, f"Aims, draft {n}")
        assert tasks_waiting(prerendering) == 1
        row = render_row(assessment.id)
        assert (row.state, row.requests, row.renders) == (prerender.QUEUED, 1, 0)
        assert drafts_of(assessment.id) == []

        with running(prerendering):
            wait_until(lambda: render_row(assessment.id).state == prerender.DONE, "the background render")
        row = render_row(assessment.id)
        assert row.renders == 1 and row.last_event == version_pdfs.last_event_of(assessment.id)
        [kept] = drafts_of(assessment.id)
        assert kept.fingerprint == version_pdfs.fingerprint(current(assessment.id))

        renders = worker_pool(1).renders
        download = client.get(f"/assessments/{assessment.id}/pdf")
        assert download.status_code == 200
        assert hashlib.sha256(download.data).hexdigest() == kept.sha256  # the background's bytes
        assert "Aims, draft 3" in text_of(download.data)
        assert worker_pool(1).renders == renders  # nothing rendered again


def test_a_save_after_the_render_queues_another_and_the_older_pdf_is_never_served(prerendering, world,
                                                                                   monkeypatch):
    assessment = world.make_assessment()
    client = signed_in(prerendering, world)
    with prerendering.app_context():
        save_details(client, world, assessment.id, "Aims, first save")
        with running(prerendering):
            wait_until(lambda: render_row(assessment.id).state == prerender.DONE, "the first render")
        [first] = drafts_of(assessment.id)
        save_details(client, world, assessment.id, "Aims, second save")
        row = render_row(assessment.id)
        assert (row.state, row.requests) == (prerender.QUEUED, 2)
        # No worker takes it: once it has waited too long to be waited for, the download renders.
        later = utcnow() + prerender.STALE_AFTER
        monkeypatch.setattr(prerender, "utcnow", lambda: later)
        download = client.get(f"/assessments/{assessment.id}/pdf")
        assert hashlib.sha256(download.data).hexdigest() != first.sha256
        assert "Aims, second save" in text_of(download.data)  # rendered for the download, not the cached first


def test_writes_through_the_api_queue_no_render(prerendering, world):
    from eqia.interchange.exporter import export
    from eqia.services import tokens

    assessment = world.make_assessment("screening")
    doc = export(world.make_assessment())
    _, token = tokens.create_token(world.author, "tests")
    db.session.commit()  # the service flushes; the command that makes a token commits it
    client = prerendering.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    with prerendering.app_context():
        created = client.post("/api/v1/assessments", json=doc, headers=bearer)
        assert created.status_code == 201, created.data
        acted = client.post(f"/api/v1/assessments/{assessment.id}/actions/start_full_assessment",
                            json={"lock_version": assessment.lock_version}, headers=bearer)
        assert acted.status_code == 200, acted.data
        assert tasks_waiting(prerendering) == 0
        assert db.session.execute(sa.select(sa.func.count()).select_from(DraftRender)).scalar_one() == 0


def test_a_refused_save_queues_nothing_and_a_signed_version_is_not_rendered(prerendering, world):
    draft = world.make_assessment()
    signed = world.make_assessment("signed_off")
    client = signed_in(prerendering, world)
    with prerendering.app_context():
        refused = client.post(f"/assessments/{draft.id}/details", data=form_data(
            world, title="", lock_version=str(draft.lock_version)))
        assert refused.status_code == 200  # the form again, with its error
        assert tasks_waiting(prerendering) == 0 and render_row(draft.id) is None
        assert version_pdfs.prerender(signed.id) is False  # its PDF was stored at sign-off
        assert drafts_of(signed.id) == []


def test_the_queue_keeps_at_most_its_configured_size_dropping_the_longest_waiting(make_app, world):
    app = make_app(EQIA_PDF_PRERENDER=True, EQIA_PDF_PRERENDER_QUEUE=2, EQIA_PDF_WORKERS=1)
    app.test_client_class = FreshRequestClient
    first, second, third = (world.make_assessment() for _ in range(3))
    client = signed_in(app, world)
    with app.app_context():
        for n, a in enumerate((first, second, third, second)):
            save_details(client, world, a.id, f"Aims saved in a burst, save {n}")
        assert [render_row(a.id).state for a in (first, second, third)] == [
            prerender.DROPPED, prerender.QUEUED, prerender.QUEUED]
        with running(app):
            wait_until(lambda: all(render_row(a.id).state == prerender.DONE for a in (second, third)),
                       "the two renders kept")
            wait_until(lambda: queue_for(app).huey.pending_count() == 0, "the dropped render's task to be taken")
        assert render_row(first.id).state == prerender.DROPPED and drafts_of(first.id) == []
        assert [len(drafts_of(a.id)) for a in (second, third)] == [1, 1]


def test_a_download_on_one_process_finds_a_render_queued_by_another(prerendering, world, tmp_path,
                                                                     database_url_for_test, monkeypatch):
    """The save and the download here, the render in `flask eqia worker`, a process of its own
    on the same database and queue: the download waits for that render and serves its bytes."""
    queue_file = tmp_path / "queue.sqlite"
    prerendering.config.update(EQIA_QUEUE_URL=f"sqlite:///{queue_file}", EQIA_QUEUE_NAME="eqia")
    prerendering.extensions.pop(EXTENSION, None)  # built again, on the worker's queue
    monkeypatch.setattr(version_pdfs, "PRERENDER_WAIT", WAIT)  # a bound for a loaded machine, not a timing
    assessment = world.make_assessment()
    client = signed_in(prerendering, world)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url_for_test,
           "SECRET_KEY": "x" * 32, "EQIA_AUDIT_KEY": TEST_AUDIT_KEY, "EQIA_QUEUE_URL": f"sqlite:///{queue_file}",
           "EQIA_PDF_WORKERS": "0"}
    with prerendering.app_context():
        save_details(client, world, assessment.id, "Aims rendered by another process")
        assert tasks_waiting(prerendering) == 1
        renders_here = worker_pool(1).renders
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "eqia.wsgi:app", "eqia", "worker"],
                                  cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        try:
            # The worker is still starting: the render is queued, not yet taken, when the download asks.
            assert render_row(assessment.id).state == prerender.QUEUED
            download = client.get(f"/assessments/{assessment.id}/pdf")
            worker.send_signal(signal.SIGINT)
            out, err = worker.communicate(timeout=WAIT)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()
        assert worker.returncode == 0, err
        assert download.status_code == 200
        row = render_row(assessment.id)
        assert (row.state, row.renders) == (prerender.DONE, 1)  # rendered there, once
        [kept] = drafts_of(assessment.id)
        assert hashlib.sha256(download.data).hexdigest() == kept.sha256
        assert kept.fingerprint == version_pdfs.fingerprint(current(assessment.id))
        assert worker_pool(1).renders == renders_here  # and not here
        assert "Aims rendered by another process" in text_of(download.data)


def test_a_render_lost_for_long_is_queued_again_by_the_next_save_and_not_waited_for(prerendering, world,
                                                                                    monkeypatch):
    assessment = world.make_assessment()
    client = signed_in(prerendering, world)
    with prerendering.app_context():
        save_details(client, world, assessment.id, "Aims, its task lost")
        queue_for(prerendering).huey.flush()  # the queue's storage lost it: no worker will ever take it
        later = utcnow() + prerender.STALE_AFTER + timedelta(seconds=1)
        monkeypatch.setattr(prerender, "utcnow", lambda: later)
        assert not prerender.under_way(assessment.id, version_pdfs.last_event_of(assessment.id))
        save_details(client, world, assessment.id, "Aims, saved again")
        assert tasks_waiting(prerendering) == 1
        row = render_row(assessment.id)
        assert (row.state, row.requests, row.queued_at) == (prerender.QUEUED, 2, later)


def test_a_service_step_s_savepoint_queues_nothing_until_the_save_commits(prerendering, world):
    """On PostgreSQL each service step is a savepoint (on SQLite, a step after the first write),
    and SQLAlchemy announces its release as a commit: no render is queued until the real one."""
    assessment = world.make_assessment()
    with prerendering.test_request_context(f"/assessments/{assessment.id}/details", method="POST",
                                           environ_overrides={prerender.BROWSER_SAVE_KEY: True}):
        for aims, end in (("Aims, rolled back", db.session.rollback), ("Aims, committed", db.session.commit)):
            for n in range(2):  # the second step starts after the first wrote: a savepoint on both databases
                lock = current(assessment.id).lock_version if n == 0 else lock + 1
                content.update_register_details(assessment.id, world.author, {"aims": f"{aims} {n}"}, lock)
                assert tasks_waiting(prerendering) == 0
            with db.engine.connect() as other:
                assert other.execute(sa.select(sa.func.count()).select_from(DraftRender)).scalar_one() == 0
            end()
        assert tasks_waiting(prerendering) == 1
        assert render_row(assessment.id).state == prerender.QUEUED


def test_the_queue_size_is_a_setting_with_a_bound():
    from eqia.config import ConfigError, from_environment

    assert from_environment({"EQIA_ENV": "development"})["EQIA_PDF_PRERENDER_QUEUE"] == 32
    assert from_environment({"EQIA_ENV": "development", "EQIA_PDF_PRERENDER_QUEUE": "5"})[
        "EQIA_PDF_PRERENDER_QUEUE"] == 5
    with pytest.raises(ConfigError, match="EQIA_PDF_PRERENDER_QUEUE must be a whole number from 0 to 10000"):
        from_environment({"EQIA_ENV": "development", "EQIA_PDF_PRERENDER_QUEUE": "lots"})
