"""The production entry point refuses to start without a secret key or an audit key."""

from __future__ import annotations

import subprocess
import sys

from eqia.config import PROJECT_ROOT


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
