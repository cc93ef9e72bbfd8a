"""Fixtures: a real database (EQIA_TEST_DB=sqlite or postgres), migrated with
the project's migrations, an app per test, and small factories.

SQLite: the schema is migrated once into a template file, copied for each test.
PostgreSQL: each run creates its own database, migrated once, emptied between
tests, and dropped at the end.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections import deque
from datetime import date, timedelta
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from flask_migrate import upgrade

import eqia.registered  # noqa: F401  (what STANDARD names, registered as create_app does)
from eqia import create_app
from eqia.config import PROJECT_ROOT, database_url
from eqia.extensions import db
from eqia.local_time import local_date
from eqia.services.sweep import take_dated_transitions
from eqia.unit_of_work import unit_of_work
from eqia.models import GENESIS_HASH, Assessment, AuditEvent, Directorate, User, utcnow
from eqia.roles import ADMIN, AUTHOR, DECISION_MAKER, EQUALITY_LEAD
from eqia.services import assessments as content
from eqia.services import challenge
from eqia.services import content as full_content
from eqia.services import review_outcomes
from eqia.services.assessments import KEEP, ScreeningInput
from eqia.services.audit import seal_for
from eqia.services.workflow import allowed_transitions, perform_transition
from tests.quick_rules import QuickRule
from tests.quick_templates import QuickEnvironment

# Every app the suite makes compiles its URL builders and its templates once per process
# (tests/quick_rules.py, tests/quick_templates.py).
flask.Flask.url_rule_class = QuickRule
flask.Flask.jinja_environment = QuickEnvironment
from eqia.workflow.definition import load_definitions
from eqia.loaded_definitions import characteristics
from eqia.assessments.sections import aims_for

DB_KIND = os.environ.get("EQIA_TEST_DB", "sqlite")
PG_ADMIN_URL = database_url(os.environ.get("EQIA_TEST_PG_URL", "postgresql://127.0.0.1:5432/test"))
PASSWORD = "correct horse battery staple"
TEST_AUDIT_KEY = "test-audit-key"

# The definition the tests are generated from: the same file the app loads.
STANDARD = load_definitions(PROJECT_ROOT / "workflows").current("standard")


def pytest_report_header(config):
    return f"database: {DB_KIND}" + (" (second pass: database-independent tests ran in the first)"
                                     if SECOND_PASS else "")


# `make test` runs the suite on SQLite, then again on PostgreSQL. What a test
# checks either touches the database (it uses the `databases` fixture, directly
# or through `app`, `world`...) or it does not; and some database-using tests
# check something the database cannot change (how a PDF or a page in the browser
# looks), marked `one_database`. Those run in the first pass only.
SECOND_PASS = os.environ.get("EQIA_TEST_SECOND_PASS") == "1"


def runs_on_one_database(item: pytest.Item) -> bool:
    # A browser journey checks pages and their accessibility; what the database
    # does beneath it is checked on both by the tests of the same services.
    return ("databases" not in item.fixturenames
            or any(item.get_closest_marker(m) is not None for m in ("one_database", "browser")))


def pytest_collection_modifyitems(config, items):
    # The longest tests (marked `slow`) go first: handed out last, one would run alone on one core while the
    # others sat idle at the end of the pass. The order is the same in every worker (xdist checks it).
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    if not SECOND_PASS:
        return
    once = [item for item in items if runs_on_one_database(item)]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if not runs_on_one_database(item)]


# Each app's task queue is a file of its own here, never instance/queue.sqlite: a transition
# in a test queues the delivery of its e-mails, which waits there (no worker runs, except in
# tests/test_task_queue.py, which starts one).
QUEUE_DIR = Path(tempfile.mkdtemp(prefix="eqia-test-queues-"))
atexit.register(shutil.rmtree, QUEUE_DIR, ignore_errors=True)


def base_config(url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "EQIA_AUDIT_KEY": TEST_AUDIT_KEY,
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "SERVER_NAME": "eqia.test",
        "PASSWORD_HASHING": "cheap",
        # Administrators' second factor is required in a real deployment; here the tests of it
        # (tests/test_second_factor.py) turn it on, so that the rest sign in with a password alone.
        "EQIA_ADMIN_TOTP_REQUIRED": False,
        # Renders in the suite happen when a test asks; tests/test_pdf_worker.py turns this on.
        "EQIA_PDF_PRERENDER": False,
        # One PDF worker per test process, rendering each document whole: the suite's documents are short,
        # where cutting one in two costs a fifth more processor time (measured) and buys no wall time on cores
        # the other test processes already fill. Parts rendered at once and joined are the production default,
        # tested on their own in tests/test_pdf_assemble.py.
        "EQIA_PDF_WORKERS": 1,
        "EQIA_QUEUE_URL": f"sqlite:///{QUEUE_DIR / uuid.uuid4().hex}.sqlite",
    }


def _migrate(url: str) -> None:
    app = create_app(base_config(url))
    with app.app_context():
        upgrade(directory=str(PROJECT_ROOT / "migrations"))
        db.engine.dispose()


class SQLiteDatabases:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.template = tmp / "template.sqlite"
        _migrate(f"sqlite:///{self.template}")

    def fresh(self) -> str:
        path = self.tmp / f"{uuid.uuid4().hex}.sqlite"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def close(self) -> None:
        pass


class PostgresDatabases:
    def __init__(self) -> None:
        self.name = f"eqia_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.name}"'))
        self.url = sa.engine.make_url(PG_ADMIN_URL).set(database=self.name).render_as_string(hide_password=False)
        _migrate(self.url)
        engine = sa.create_engine(self.url)
        with engine.connect() as conn:
            self.tables = [r[0] for r in conn.execute(sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        engine.dispose()

    def fresh(self) -> str:
        engine = sa.create_engine(self.url)
        with engine.begin() as conn:
            # The test user is a superuser, whose replica role skips user triggers (the
            # append-only tables' refusals, migration 0008) and foreign keys' checks for this
            # transaction only: so every table can be emptied in any order. DELETE, not
            # TRUNCATE: a test leaves a few rows, which DELETE clears in a millisecond,
            # where TRUNCATE makes every table's files anew (15 times slower here).
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            conn.execute(sa.text("; ".join(f'DELETE FROM "{t}"' for t in self.tables)))
            conn.execute(sa.text(
                "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'S' AND n.nspname = 'public'"))
            conn.execute(sa.text("INSERT INTO audit_chain_head (id, seq, hash, seal) VALUES (1, 0, :h, :s)"),
                         {"h": GENESIS_HASH, "s": seal_for(0, GENESIS_HASH, key=TEST_AUDIT_KEY)})
        engine.dispose()
        return self.url

    def close(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    dbs = PostgresDatabases() if DB_KIND == "postgres" else SQLiteDatabases(tmp_path_factory.mktemp("db"))
    yield dbs
    dbs.close()


@pytest.fixture
def database_url_for_test(databases) -> str:
    return databases.fresh()


@pytest.fixture
def app(database_url_for_test):
    app = create_app(base_config(database_url_for_test))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def make_app(database_url_for_test):
    """Another app on this test's database, with config overrides; its
    connections are closed afterwards."""
    made = []

    def make(**overrides):
        app = create_app({**base_config(database_url_for_test), **overrides})
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


class FreshRequestClient(FlaskClient):
    """Tests hold an app context open for database access, and Flask reuses it
    for requests, so Flask-Login's per-request cache in `g` would survive from
    one request to the next. A real server starts each request afresh."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshRequestClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---------------------------------------------------------------- factories

class World:
    """Directorates and one user per role, plus helpers to reach any state.
    Services only flush; each step here commits, as the request behind a
    user's click would (eqia/unit_of_work.py)."""

    def __init__(self) -> None:
        self.directorate = Directorate(name="Adult Social Care")
        self.other_directorate = Directorate(name="Highways")
        db.session.add_all([self.directorate, self.other_directorate])
        self.author = self.make_user("author@example.test", AUTHOR)
        self.co_author = self.make_user("co-author@example.test", AUTHOR)
        self.outsider = self.make_user("outsider@example.test", AUTHOR, directorate=self.other_directorate)
        self.lead = self.make_user("lead@example.test", EQUALITY_LEAD)
        self.lead2 = self.make_user("lead2@example.test", EQUALITY_LEAD)
        self.decider = self.make_user("decider@example.test", DECISION_MAKER)
        self.decider2 = self.make_user("decider2@example.test", DECISION_MAKER)
        self.admin = self.make_user("admin@example.test", ADMIN)
        db.session.commit()

    def make_user(self, email: str, *roles: str, directorate: Directorate | None = None, commit: bool = False) -> User:
        user = User(email=email, name=email.split("@")[0].replace("-", " ").title(),
                    directorate=directorate or self.directorate)
        user.set_roles(roles)
        user.set_password(PASSWORD)
        db.session.add(user)
        if commit:
            db.session.commit()
        return user

    @property
    def crew(self) -> list[User]:
        return [self.author, self.co_author, self.lead, self.lead2, self.decider, self.decider2, self.admin]

    def details(self, **overrides) -> dict:
        today = date.today()
        values = {
            "title": "Library opening hours", "directorate_id": self.directorate.id, "service": "Libraries",
            "lead_officer": "Sam Lee", "activity_kind": "change", "aims": "Save money while keeping access",
            "people_affected": "Library users", "decision_maker": "Cabinet Member", "decision_forum": "Cabinet",
            "due_regard_started_on": today - timedelta(days=10),
            "planned_decision_date": today + timedelta(days=30), "parent_programme": "",
        }
        values.update(overrides)
        return values

    def make_assessment(self, state: str | None = None, *, author: User | None = None, answer: str = "no",
                        **details) -> Assessment:
        """A complete assessment moved to `state` through the real service, by
        users who are allowed each step (so its audit trail is a real one)."""
        author = author or self.author
        assessment = content.create_assessment(author, self.details(**details))
        db.session.commit()
        self.write_screening(assessment, author, answer)
        if state is not None:
            self.drive(assessment, state)
        db.session.expire_all()
        return db.session.get(Assessment, assessment.id)

    def drive(self, assessment: Assessment, target: str) -> Assessment:
        if target == "superseded":
            # Reached only through the system transition that publishing the
            # next version takes on this one.
            self.drive(assessment, "published")
            self.take(assessment, "start_review")
            db.session.expire_all()
            following = db.session.get(Assessment, assessment.id).next_version
            # A review is a fresh look: the new version's sections start unmarked.
            self.write_screening(following, following.created_by)
            self.drive(following, "published")
            return assessment
        reached_on_date = [t for t in STANDARD.timed_transitions() if t.dest == target]
        if target in ("screening_review_due", "screening_decision_review_due"):
            # Reached only on the review date, through the engine's timed transition: the date is set
            # to today in SQL (no page accepts a date already come) and the engine takes it.
            self.drive(assessment, reached_on_date[0].sources[0])
            db.session.execute(sa.update(Assessment).where(Assessment.id == assessment.id)
                               .values(review_date=local_date(utcnow())))
            db.session.commit()
            with unit_of_work():
                take_dated_transitions(local_date(utcnow()), utcnow())
            return assessment
        db.session.expire_all()
        for trigger in path_to(target, db.session.get(Assessment, assessment.id).state):
            self.take(assessment, trigger)
        return assessment

    def assessment_titled(self, title: str) -> Assessment:
        db.session.expire_all()
        return db.session.execute(sa.select(Assessment).where(Assessment.title == title)).scalar_one()

    def write_screening(self, assessment: Assessment, author: User, answer: str = "no") -> None:
        """Register details and screening marked completed, every group answered `answer`."""
        db.session.expire_all()
        current = db.session.get(Assessment, assessment.id)
        current, _ = content.update_register_details(current.id, author, {}, current.lock_version, complete=True)
        db.session.commit()
        screening = ScreeningInput(
            answers={row.characteristic_key: (answer, "Checked against service data", "no")
                     for row in current.screening_answers},
            relevance="low", conclusion="Considered each group",
            proposal="screen_out" if answer == "no" else "full",
            review_date=local_date(utcnow()) + timedelta(days=365) if answer == "no" else KEEP,
        )
        content.update_screening(current.id, author, screening, current.lock_version, complete=True)
        db.session.commit()

    def write_full_assessment(self, assessment: Assessment, author: User | None = None) -> Assessment:
        """Every full-assessment section filled in and marked completed, through the services."""
        author = author or self.author
        db.session.expire_all()
        current = db.session.get(Assessment, assessment.id)
        if current.is_completed("action_plan"):
            return current

        def lock() -> int:
            db.session.commit()  # the save before
            db.session.expire_all()
            return db.session.get(Assessment, assessment.id).lock_version

        full_content.save_item(full_content.EVIDENCE, assessment.id, author, lock(), None, {
            "kind": "data", "source": "Library visitor survey 2025", "dated": date.today() - timedelta(days=60),
            "summary": "Who visits, by age and disability", "link": "https://example.test/survey"})
        full_content.save_item(full_content.CONSULTATION, assessment.id, author, lock(), None, {
            "who": "Library users", "held_from": date.today() - timedelta(days=30), "held_to": None,
            "method": "Online survey", "what_they_said": "Keep mornings", "how_it_changed": "Mornings kept"})
        full_content.save_section_page("evidence", assessment.id, author, lock(), True)
        full_content.save_consultation_page(assessment.id, author, lock(), "", True)
        evidence_id = db.session.get(Assessment, assessment.id).evidence_items[0].id
        for row in db.session.get(Assessment, assessment.id).impacts:
            # The first of the aims that apply to the group: "a" for every group in England's profile.
            first_aim = frozenset(aims_for(row.characteristic_key, characteristics())[:1])
            full_content.update_impact(assessment.id, author, lock(), row.characteristic_key, full_content.ImpactInput(
                impact="neutral", severity=None, aims=first_aim, evidence_narrative="Usage is even",
                cited_evidence_ids=frozenset({evidence_id}), no_evidence_reason="", mitigation=""), True)
        full_content.update_intersectional(assessment.id, author, lock(), "None found after checking", True)
        full_content.update_outcome(assessment.id, author, lock(), ["no_major_change"], "", True)
        full_content.save_item(full_content.ACTIONS, assessment.id, author, lock(), None, {
            "description": "Monitor visits by age", "owner": "Sam Lee", "due_date": date.today() + timedelta(days=90),
            "success_measure": "Quarterly report", "status": "not_started"})
        decision = db.session.get(Assessment, assessment.id).planned_decision_date or date.today()
        full_content.save_action_plan_page(assessment.id, author, lock(), decision + timedelta(days=365), True)
        reviewed = db.session.get(Assessment, assessment.id).previous_version
        if reviewed is not None:
            # A review version says what actually happened to each group its previous version assessed.
            review_outcomes.update_review(assessment.id, author, lock(), review_outcomes.ReviewInput(
                actuals={i.characteristic_key: ("as_predicted", "Visitor counts match the prediction")
                         for i in reviewed.impacts},
                next_step="no_change", next_step_reason="The impacts were as predicted"), True)
        db.session.commit()
        db.session.expire_all()
        return db.session.get(Assessment, assessment.id)

    def answer_challenge(self, assessment: Assessment, response: str = "accepted") -> None:
        """The author answers every open challenge point, so it can be submitted again."""
        db.session.expire_all()
        current = db.session.get(Assessment, assessment.id)
        points = challenge.unanswered(current)
        if points:
            challenge.save_answers(current.id, current.created_by, current.lock_version, {
                p.id: challenge.AnswerInput(response, "Changed the evidence section to answer this")
                for p in points})
            db.session.commit()

    def take(self, assessment: Assessment, trigger: str, comment: str = "Because the evidence says so") -> None:
        db.session.expire_all()
        current = db.session.get(Assessment, assessment.id)
        for user in self.crew:
            if any(t.trigger == trigger for t in allowed_transitions(user, current)):
                done = perform_transition(current.id, trigger, user, comment=comment, attested=True,
                                          password=PASSWORD)
                db.session.commit()
                if done.state == "full_assessment":
                    self.write_full_assessment(done, done.created_by)
                    self.answer_challenge(done)
                return
        raise AssertionError(f"nobody in the test crew may take {trigger} from {current.state}")


def path_to(target: str, start: str = STANDARD.initial) -> list[str]:
    """The shortest list of user triggers from `start` to `target`."""
    seen = {start: []}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        if state == target:
            return seen[state]
        for t in STANDARD.transitions_from(state):
            if t.system or t.dest is None or t.dest in seen:
                continue
            seen[t.dest] = seen[state] + [t.trigger]
            queue.append(t.dest)
    raise AssertionError(f"no user path to {target}")


@pytest.fixture
def world(app) -> World:
    return World()


def audit_count(assessment_id: int | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(AuditEvent)
    if assessment_id is not None:
        query = query.where(AuditEvent.assessment_id == assessment_id)
    return db.session.execute(query).scalar_one()


class Auth:
    def __init__(self, client) -> None:
        self.client = client

    def sign_in(self, user: User, password: str = PASSWORD):
        return self.client.post("/sign-in", data={"email": user.email, "password": password})

    def sign_out(self):
        return self.client.post("/sign-out")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


def keep_records(app: flask.Flask) -> list[int]:
    """Run the renders of final versions' records that commits have queued, as a worker would
    (`render_record`, eqia.tasks.render: each its own unit of work); the other tasks stay queued.
    The assessments whose record was queued, in order."""
    from eqia.tasks.queue import queue_for
    from eqia.tasks.render import RENDER_RECORD, render_record

    queued = [waiting.args[0] for waiting in queue_for(app).huey.pending() if waiting.name == RENDER_RECORD]
    for assessment_id in queued:
        with unit_of_work():
            render_record(assessment_id)
    db.session.expire_all()
    return queued


def work_out_figures() -> None:
    """Work the lead's figures out, as the task a commit queues does (eqia.tasks.figures) once a worker
    takes it: the dashboards read what it keeps."""
    from eqia.services.figure_refresh import work_out

    with unit_of_work():
        work_out()
    db.session.expire_all()
