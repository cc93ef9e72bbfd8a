"""The production entry point refuses to start without a secret key or an audit key, or with an in-memory
throttle under several workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from eqia.config import PROJECT_ROOT, THROTTLE_NEEDS_SHARED_STORE


def test_gunicorn_entry_point_needs_a_secret_key(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"}
    result = subprocess.run([sys.executable, "-c", "import eqia.wsgi"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    env["SECRET_KEY"] = "a-long-random-production-secret"
    keyless = subprocess.run([sys.executable, "-c", "import eqia.wsgi"], cwd=PROJECT_ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    assert keyless.returncode != 0
    assert "EQIA_AUDIT_KEY is not set" in keyless.stderr
    env["EQIA_AUDIT_KEY"] = "a-long-random-audit-key"
    ok = subprocess.run([sys.executable, "-c", "import eqia.wsgi; print(eqia.wsgi.app.name)"], cwd=PROJECT_ROOT,
                        env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "eqia"


def test_gunicorn_entry_point_refuses_an_in_memory_throttle_with_several_workers(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite",
           "SECRET_KEY": "a-long-random-production-secret", "EQIA_AUDIT_KEY": "a-long-random-audit-key",
           "WEB_CONCURRENCY": "3"}
    result = subprocess.run([sys.executable, "-c", "import eqia.wsgi"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    # One line, not a traceback.
    assert result.stderr.strip().splitlines() == [
        "EqIA cannot start: " + THROTTLE_NEEDS_SHARED_STORE.format(workers=3)]


def test_gunicorn_with_several_workers_and_an_in_memory_throttle_stops(tmp_path):
    """The real server, given its worker count with -w (gunicorn.conf.py passes it on to the app): it stops,
    with the reason on one line, rather than starting workers that each keep their own count."""
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite",
           "SECRET_KEY": "a-long-random-production-secret", "EQIA_AUDIT_KEY": "a-long-random-audit-key"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run([str(gunicorn), "-w", "2", "--bind", "127.0.0.1:0", "--no-control-socket",
                             # A loaded machine may take longer than gunicorn's default 30 s to import the
                             # app in a worker; a worker killed for that is not the refusal under test.
                             "--timeout", "300", "eqia.wsgi:app"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    # gunicorn's "App failed to load" (4); when the worker fails before the master has entered its loop, which
    # a loaded machine makes likelier, the master's HaltServer escapes as a traceback and the exit is 1. Either
    # way it stopped, and said why on one line.
    assert result.returncode in (4, 1), result.stderr[-2000:]
    assert "EqIA cannot start: " + THROTTLE_NEEDS_SHARED_STORE.format(workers=2) in result.stderr.splitlines()
