"""The app factory's wiring, configuration and every CLI command."""

from __future__ import annotations

import socket
import warnings
from datetime import timedelta

import pytest
import sqlalchemy as sa
from jinja2 import UndefinedError

from eqia import GOVUK_FRONTEND_VERSION, create_app
from eqia.app import TemplateUndefined
from eqia.config import (AUDIT_KEY_MISSING, DEVELOPMENT_AUDIT_KEY, PROJECT_ROOT, THROTTLE_NEEDS_SHARED_STORE,
                         ConfigError, database_url, from_environment)
from eqia.extensions import db
from eqia.services import action_lists, action_progress, activities, plans
from eqia.services import cumulative_judgements as judgements
from eqia.models import Assessment, Directorate, OutboxMessage, User
from eqia.notifications.messages import written
from tests.conftest import STANDARD, base_config
from tests.test_second_factor import code_for
from tests.test_sessions import clock, signed_in  # noqa: F401  (clock is a fixture)


def test_extensions_and_blueprints_are_wired(app):
    # (Flask-Limiter registers itself only when enabled: see test_sign_in_is_rate_limited.)
    for name in ("sqlalchemy", "migrate", "csrf", "eqia", "babel"):
        assert name in app.extensions, name
    assert set(app.blueprints) == {"health", "assets", "auth", "main", "assessments", "workflow", "register", "api",
                                   "account", "notifications", "actions", "password_links", "invitations", "sso", "admin",
                                   "language", "programme", "plans", "framework", "golden_thread",
                                   "judgements"}
    assert app.login_manager.login_view == "auth.sign_in"


def test_templates_are_strict_about_printing_undefined(app):
    assert app.jinja_env.undefined is TemplateUndefined
    with pytest.raises(UndefinedError):
        app.jinja_env.from_string("{{ no_such_thing }}").render()
    with pytest.raises(UndefinedError):
        app.jinja_env.from_string("{{ params.missing.attribute }}").render(params={})
    # ...but lets the GOV.UK macros probe optional parameters.
    assert app.jinja_env.from_string("{% if params.x %}x{% endif %}{{ params.y|length }}").render(params={}) == "0"


def test_production_without_secret_key_stops_start_up():
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        from_environment({"EQIA_ENV": "production"})


def test_production_without_an_audit_key_stops_start_up_and_development_uses_a_fixed_one():
    with pytest.raises(ConfigError) as refused:
        from_environment({"SECRET_KEY": "x" * 32})
    assert str(refused.value) == AUDIT_KEY_MISSING
    # Fixed, not generated: the seal must verify after a restart.
    assert from_environment({"EQIA_ENV": "development"})["EQIA_AUDIT_KEY"] == DEVELOPMENT_AUDIT_KEY
    assert from_environment({"SECRET_KEY": "x" * 32, "EQIA_AUDIT_KEY": "k" * 32})["EQIA_AUDIT_KEY"] == "k" * 32


def test_development_runs_without_secret_key_but_production_cookies_are_secure():
    dev = from_environment({"EQIA_ENV": "development"})
    assert dev["SECRET_KEY"] and dev["SESSION_COOKIE_SECURE"] is False
    prod = from_environment({"SECRET_KEY": "x" * 32, "EQIA_AUDIT_KEY": "y" * 32})
    assert prod["SESSION_COOKIE_SECURE"] and prod["SESSION_COOKIE_HTTPONLY"]
    assert prod["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_database_urls_use_psycopg_3():
    assert database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert database_url(None).startswith("sqlite:///")


def test_cheap_password_hashing_is_refused_outside_tests(database_url_for_test):
    config = {**base_config(database_url_for_test), "TESTING": False}
    with pytest.raises(ConfigError, match="test suite only"):
        create_app(config)


def test_govuk_frontend_assets_are_the_version_the_macros_target(client):
    installed = (PROJECT_ROOT / "node_modules" / "govuk-frontend" / "package.json").read_text()
    assert f'"version": "{GOVUK_FRONTEND_VERSION}"' in installed
    for url, status in (("/govuk-frontend/govuk-frontend.min.css", 200), ("/govuk-frontend/govuk-frontend.min.js", 200),
                        ("/assets/images/favicon.svg", 200), ("/govuk-frontend/package.json", 404),
                        ("/assets/../../package.json", 404)):
        with client.get(url) as response:  # file responses stream: close them
            assert response.status_code == status, url


def test_models_match_the_migrations(app):
    """Schema changes only through migrations: the migrated database and the
    models must not differ."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite's reflection cannot read an index on lower(name), so there alembic leaves such indexes out of
        # the comparison and says so; PostgreSQL's reflection reads them, and that pass compares them.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                                sa.exc.SAWarning)
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index",
                                UserWarning)
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_load_demo_twice_loads_once_and_shows_every_part_of_the_service(runner, make_app, clock):
    # One test of the demo, as loading it (through the services, every PDF signed) is among the suite's longest.
    first = runner.invoke(args=["eqia", "load-demo"])
    assert first.exit_code == 0, first.output
    assert "amina.author@demo.example" in first.output and "password:" in first.output
    counts = (db.session.execute(sa.select(sa.func.count()).select_from(Assessment)).scalar_one(),
              db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one(),
              db.session.execute(sa.select(sa.func.count()).select_from(Directorate)).scalar_one())
    assert counts[2] == 3
    states = set(db.session.execute(sa.select(Assessment.state)).scalars())
    assert {"screening", "full_assessment", "challenge", "awaiting_sign_off", "published", "screened_out"} <= states
    second = runner.invoke(args=["eqia", "load-demo"])
    assert second.exit_code == 0 and "already loaded" in second.output
    # The administrator's second-factor setup key is printed, the same each time, and signs in.
    secret = first.output.split("setup key ")[1].split()[0]
    assert secret in second.output
    client = make_app(EQIA_ADMIN_TOTP_REQUIRED=True).test_client()
    client.post("/sign-in", data={"email": "ade.admin@demo.example", "password": "demo-admin-pass"})
    assert client.post("/sign-in/code", data={"code": code_for(secret, clock)}).headers["Location"].endswith(
        "/my-work")
    assert signed_in(client)
    assert counts == (db.session.execute(sa.select(sa.func.count()).select_from(Assessment)).scalar_one(),
                      db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one(),
                      db.session.execute(sa.select(sa.func.count()).select_from(Directorate)).scalar_one())
    assert runner.invoke(args=["eqia", "verify-audit"]).exit_code == 0
    # The register shows coverage of every kind: two current (published, screened out), four under way,
    # three never assessed, one of them past its date, and one activity that needs no assessment.
    ellen = db.session.execute(sa.select(User).where(User.email == "ellen.lead@demo.example")).scalar_one()
    found = activities.coverage(ellen)
    assert (found.total.counts, found.late) == ({"current": 2, "out_of_date": 0, "under_way": 4,
                                                 "not_assessed": 3}, 1)
    # Two action plans: one adopted with progress on two rows (one of them late, one an author's own),
    # and a new draft.
    [draft, adopted] = plans.page_of_plans(ellen, 1).items
    assert (draft.plan.state, adopted.plan.state) == ("draft", "adopted")
    assert (adopted.rows, adopted.statuses, adopted.overdue) == (5, {"in_progress": 2, "not_started": 3}, 1)
    # The continuing duty shows whatever day the demo is loaded: an action of someone else's EqIA that Amina
    # owns is late, and the rest fall due as the days go by.
    amina = db.session.execute(sa.select(User).where(User.email == "amina.author@demo.example")).scalar_one()
    [mine] = [row for row in action_lists.my_actions(amina).rows if row.assessment.created_by_id != amina.id]
    assert (mine.action.owner, mine.overdue, mine.status) == ("Amina Shah", True, "in_progress")
    assert mine.latest is not None and mine.latest.recorded_by_id == amina.id and mine.may_update
    overdue = action_lists.all_overdue_actions(ellen)
    assert [row.action.id for row in overdue] == [mine.action.id]
    later = action_lists.all_overdue_actions(ellen, on=action_progress.today() + timedelta(days=400))
    assert len(later) > 1  # and the dates move with today: the rest fall due in time
    # The budget round's cumulative judgement waits for the other equality lead's challenge.
    gareth = db.session.execute(sa.select(User).where(User.email == "gareth.lead@demo.example")).scalar_one()
    [(judgement, actions)] = judgements.waiting_for(gareth)
    assert (judgement.programme, judgement.state, len(judgement.covered)) == ("Budget savings 2027-28", "challenge", 2)
    assert judgements.waiting_for(ellen) == []


def test_create_user_reads_the_password_from_stdin(runner):
    result = runner.invoke(args=["eqia", "create-user", "--email", "New.Lead@Example.test", "--name", "New Lead",
                                 "--role", "equality_lead", "--role", "decision_maker", "--directorate", "Housing",
                                 "--password-stdin"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    user = db.session.execute(sa.select(User).where(User.email == "new.lead@example.test")).scalar_one()
    assert user.roles == {"equality_lead", "decision_maker"}
    assert user.check_password("a long enough password") and user.directorate.name == "Housing"
    assert user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("args,stdin,message", [
    (["--role", "author"], "", "--password-stdin"),
    (["--role", "author", "--password-stdin"], "short\n", "at least 12 characters"),
    (["--role", "overlord", "--password-stdin"], "a long enough password\n", "Invalid value for '--role'"),
])
def test_create_user_refuses_bad_input(runner, args, stdin, message):
    result = runner.invoke(args=["eqia", "create-user", "--email", "x@example.test", "--name", "X", *args],
                           input=stdin)
    assert result.exit_code != 0
    assert message in result.output


def test_send_notifications_delivers_through_a_real_smtp_server(app, runner, world):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
        world.make_assessment("challenge")
        queued = db.session.execute(sa.select(OutboxMessage)).scalars().all()
        submitted = {m.recipient for m in queued
                     if STANDARD.transitions["submit_for_challenge"].done in written(m, "http://x").subject}
        # The equality leads can act next; the author who submitted is not told of their own action.
        assert submitted == {"lead@example.test", "lead2@example.test"}
        result = runner.invoke(args=["eqia", "send-notifications"])
        assert result.exit_code == 0, result.output
    finally:
        controller.stop()
    assert sorted(m["To"] for m in received) == sorted(m.recipient for m in queued)
    challenge = [m for m in received if STANDARD.transitions["submit_for_challenge"].done in m["Subject"]]
    assert sorted(m["To"] for m in challenge) == ["lead2@example.test", "lead@example.test"]
    # Plain text with an HTML alternative: each links to the assessment.
    text, html = challenge[0].get_payload()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert all("http://127.0.0.1:5000/assessments/" in part.get_payload(decode=True).decode() for part in (text, html))
    db.session.expire_all()
    assert all(m.sent_at is not None for m in db.session.execute(sa.select(OutboxMessage)).scalars())


def test_trusted_proxies_default_to_none():
    keys = {"SECRET_KEY": "x" * 32, "EQIA_AUDIT_KEY": "y" * 32}
    assert from_environment(keys)["EQIA_TRUSTED_PROXIES"] == 0
    assert from_environment({**keys, "EQIA_TRUSTED_PROXIES": "2"})["EQIA_TRUSTED_PROXIES"] == 2
    with pytest.raises(ConfigError, match="EQIA_TRUSTED_PROXIES must be a whole number"):
        from_environment({**keys, "EQIA_TRUSTED_PROXIES": "all"})


def test_several_workers_with_an_in_memory_throttle_stop_start_up():
    env = {"SECRET_KEY": "x" * 32, "EQIA_AUDIT_KEY": "y" * 32, "WEB_CONCURRENCY": "4"}
    with pytest.raises(ConfigError) as refused:
        from_environment(env)
    assert str(refused.value) == THROTTLE_NEEDS_SHARED_STORE.format(workers=4)
    shared = from_environment({**env, "RATELIMIT_STORAGE_URI": "redis://cache:6379"})
    assert shared["RATELIMIT_STORAGE_URI"] == "redis://cache:6379"
    assert from_environment({**env, "WEB_CONCURRENCY": "1"})["RATELIMIT_STORAGE_URI"] == "memory://"


def test_the_throttle_uses_redis_url_when_one_is_set():
    env = {"SECRET_KEY": "x" * 32, "EQIA_AUDIT_KEY": "y" * 32, "WEB_CONCURRENCY": "4",
           "REDIS_URL": "redis://cache:6379/0"}
    assert from_environment(env)["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    # An explicit throttle store wins over the general Redis URL.
    explicit = from_environment({**env, "RATELIMIT_STORAGE_URI": "memcached://m:11211"})
    assert explicit["RATELIMIT_STORAGE_URI"] == "memcached://m:11211"


def _flask(args: list[str], tmp_path, **extra: str):
    """The `flask` command in a process of its own, with neither SECRET_KEY nor EQIA_ENV set."""
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "FLASK_APP": "eqia", "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite", **extra}
    return subprocess.run([sys.executable, "-m", "flask", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)


def test_help_and_commands_work_without_a_secret_key_which_only_serving_needs(tmp_path):
    for args in (["--help"], ["eqia", "--help"]):
        shown = _flask(args, tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert "Traceback" not in shown.stderr and shown.stderr == ""
    assert "verify-audit" in shown.stdout and "export" in shown.stdout
    # The audit key seals and checks the trail's head: the commands that do so need it (not SECRET_KEY),
    # and without it say so in one line.
    unsealed = _flask(["db", "upgrade"], tmp_path)
    assert unsealed.returncode != 0 and unsealed.stderr.strip() == f"Error: {AUDIT_KEY_MISSING}"
    key = {"EQIA_AUDIT_KEY": "an-audit-key-kept-outside-the-database"}
    assert _flask(["db", "upgrade"], tmp_path, **key).returncode == 0
    verified = _flask(["eqia", "verify-audit"], tmp_path, **key)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("Audit trail verified: 0 events")
    without = _flask(["eqia", "verify-audit"], tmp_path)
    assert without.returncode != 0 and without.stderr.strip() == f"Error: {AUDIT_KEY_MISSING}"


def test_serving_without_a_secret_key_stops_with_one_clear_line(tmp_path):
    from eqia.config import SECRET_KEY_MISSING

    served = _flask(["run", "--port", "0"], tmp_path)
    assert served.returncode != 0
    assert served.stderr.strip() == f"Error: {SECRET_KEY_MISSING}"
