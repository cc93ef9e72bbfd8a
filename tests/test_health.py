"""/healthz says the process answers and touches nothing; /readyz says whether the
database and the task queue's storage answer, and which does not, without a secret."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from eqia import create_app
from eqia.extensions import db
from eqia.tasks.notify import DELIVER
from eqia.services.health import QUEUE_PROBE_SECONDS
from eqia.tasks.queue import enqueue, pending_for_probe, queue_for
from tests.conftest import base_config
from tests.test_task_queue import queue_config  # noqa: F401  (a fixture: SQLite, and Redis when there is one)

PASSWORD_IN_URL = "pw-never-shown-8f3a"


def closed_port() -> int:
    """A loopback port nothing listens on (taken from the system, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dead_database_url() -> str:
    return f"postgresql+psycopg://eqia:{PASSWORD_IN_URL}@127.0.0.1:{closed_port()}/eqia"


@pytest.fixture
def app_without_database():
    app = create_app(base_config(dead_database_url()))
    yield app
    with app.app_context():
        db.engine.dispose()


def test_healthz_answers_without_the_database(app_without_database):
    response = app_without_database.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_when_the_database_and_the_queue_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "checks": {"database": "up", "queue": "up"}}
    assert "Retry-After" not in response.headers


def test_readyz_names_the_database_when_it_is_down_and_shows_no_secret(app_without_database, caplog):
    response = app_without_database.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "down", "queue": "up"},
                                   "down": ["database"]}
    body = response.get_data(as_text=True)
    assert PASSWORD_IN_URL not in body and "127.0.0.1" not in body
    # The operator is told why, in the log, and still not the password.
    assert "readiness: database is down: OperationalError: connection failed" in caplog.text
    assert PASSWORD_IN_URL not in caplog.text


def test_readyz_names_the_queue_when_its_redis_is_unreachable(make_app):
    app = make_app(EQIA_QUEUE_URL=f"redis://:{PASSWORD_IN_URL}@127.0.0.1:{closed_port()}/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "up", "queue": "down"}
    assert PASSWORD_IN_URL not in response.get_data(as_text=True)


@contextmanager
def silent_server() -> Iterator[int]:
    """A loopback port that takes connections and never says a word (a Redis behind a black-holing
    firewall, or one stuck): the system completes each connection into the listening backlog."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def answered(client, url: str) -> list:
    """The response to GET `url`, asked in a thread given a minute: empty if it never came."""
    got = []
    asking = threading.Thread(target=lambda: got.append(client.get(url)), daemon=True)
    asking.start()
    asking.join(timeout=60)
    return got


def test_readyz_says_the_queue_is_down_when_its_redis_takes_the_connection_and_never_answers(make_app):
    with silent_server() as port:
        app = make_app(EQIA_QUEUE_URL=f"redis://127.0.0.1:{port}/0")
        [response] = answered(app.test_client(), "/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "up", "queue": "down"}


def test_readyz_reads_the_same_queue_the_workers_take_from(make_app, queue_config):
    app = make_app(**queue_config)
    enqueue(app, DELIVER)
    with app.app_context():
        assert pending_for_probe(app, QUEUE_PROBE_SECONDS) == queue_for(app).huey.pending_count() == 1
    response = app.test_client().get("/readyz")
    assert response.status_code == 200 and response.get_json()["checks"]["queue"] == "up"


def test_readyz_says_the_queue_is_down_at_once_when_its_redis_port_is_closed(make_app):
    app = make_app(EQIA_QUEUE_URL=f"redis://127.0.0.1:{closed_port()}/0")
    [response] = answered(app.test_client(), "/readyz")
    assert response.status_code == 503 and response.get_json()["down"] == ["queue"]


def test_readyz_names_the_queue_when_its_sqlite_file_cannot_be_opened(make_app, tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    app = make_app(EQIA_QUEUE_URL=f"sqlite:///{folder / 'queue.sqlite'}")
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    shutil.rmtree(folder)
    with app.app_context():
        # A worker started now opens the file afresh: the storage built before kept a connection open.
        app.extensions.pop("eqia_queue").huey.storage.close()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["down"] == ["queue"]


def test_health_checks_need_no_sign_in_no_csrf_token_and_are_never_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute", WTF_CSRF_ENABLED=True)
    client = app.test_client()
    limited = [client.get("/register").status_code for _ in range(3)]
    assert limited[-1] == 429  # the control: this app does limit the pages
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.head("/readyz").status_code == 200


def test_readyz_says_the_database_is_down_when_postgresql_takes_the_connection_and_never_answers():
    from eqia import create_app
    from tests.conftest import base_config

    with silent_server() as port:
        app = create_app({**base_config(f"postgresql+psycopg://eqia@127.0.0.1:{port}/eqia"),
                          "EQIA_DB_CONNECT_SECONDS": 1})
        assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"connect_timeout": 1}
        [response] = answered(app.test_client(), "/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "down"
