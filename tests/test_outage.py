"""While the database cannot be reached, pages and the API answer 503 with
Retry-After and a page (or problem) that says to come back: never a 500, and
nothing of the request is kept. The outages are real: a PostgreSQL address
nothing listens on, and an SQLite file whose folder goes away after start-up."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from eqia import create_app
from eqia.extensions import db
from eqia.models import Assessment, AuditEvent
from eqia.services.tokens import PREFIX
from tests.conftest import DB_KIND, PASSWORD, SQLiteDatabases, World, base_config
from tests.test_api import Api
from tests.test_assessment_pages import form_data
from tests.test_health import PASSWORD_IN_URL, dead_database_url

UNAVAILABLE = "Sorry, the service is unavailable"


def is_unavailable_page(response) -> None:
    assert response.status_code == 503, response.data[:300]
    assert response.headers["Retry-After"].isdigit()
    page = BeautifulSoup(response.data, "html.parser")
    assert page.h1.get_text(strip=True) == UNAVAILABLE
    assert "Try again in a few minutes" in page.main.get_text()
    assert page.select_one(".govuk-header") is not None  # the service's own layout, drawn for nobody signed in


def is_unavailable_problem(response) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 503 and body["title"] == "The service is unavailable"
    assert "Try again in a few minutes" in body["detail"]


def test_with_postgresql_unreachable_pages_forms_and_the_api_answer_503():
    app = create_app(base_config(dead_database_url()))
    client = app.test_client()
    try:
        is_unavailable_page(client.get("/register"))
        is_unavailable_page(client.post("/sign-in", data={"email": "someone@example.test", "password": PASSWORD}))
        # A token of the right shape, so that it is looked up.
        bearer = {"Authorization": f"Bearer {PREFIX}{'x' * 40}"}
        is_unavailable_problem(client.get("/api/v1/assessments", headers=bearer))
        is_unavailable_problem(client.post("/api/v1/assessments", json={}, headers=bearer))
        for response in (client.get("/register"), client.get("/api/v1/register")):
            assert PASSWORD_IN_URL not in response.get_data(as_text=True)
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def sqlite_template(request, tmp_path_factory) -> Path:
    """The migrated schema in a file: this outage is SQLite's, whichever database the suite runs on (the
    suite's own template when it runs on SQLite, rather than migrating again)."""
    if DB_KIND == "sqlite":
        return request.getfixturevalue("databases").template
    return SQLiteDatabases(tmp_path_factory.mktemp("outage-template")).template


def test_with_the_sqlite_folder_gone_after_start_up_nothing_is_half_written(sqlite_template, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(sqlite_template, folder / "eqia.sqlite")
    app = create_app(base_config(f"sqlite:///{folder / 'eqia.sqlite'}"))
    with app.app_context():
        world = World()
        token = Api(app.test_client()).as_user(world.author).token
        form, email = form_data(world), world.author.email
        events_before = db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one()
        db.session.remove()
    client = app.test_client()
    assert client.post("/sign-in", data={"email": email, "password": PASSWORD}).status_code == 302
    assert client.get("/my-work").status_code == 200  # the control: up before the folder goes

    os.rename(folder, tmp_path / "moved-away")
    # The open connection still reads the file it holds, but a write needs its journal beside the file.
    is_unavailable_page(client.post("/assessments/new", data=form))
    with app.app_context():
        db.engine.dispose()  # as a worker started now would: it opens the file afresh
    is_unavailable_page(client.get("/my-work"))
    is_unavailable_page(client.post("/assessments/new", data=form))
    is_unavailable_problem(client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {token}"}))
    is_unavailable_problem(client.post("/api/v1/assessments", json={}, headers={"Authorization": f"Bearer {token}"}))

    os.rename(tmp_path / "moved-away", folder)
    with app.app_context():
        db.engine.dispose()
        assert db.session.execute(sa.select(sa.func.count()).select_from(Assessment)).scalar_one() == 0
        assert db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one() == events_before
        db.session.remove()
        db.engine.dispose()
    # Back, the service works again with nothing to repair.
    assert client.get("/my-work").status_code == 200
    assert client.post("/assessments/new", data=form).status_code == 302
