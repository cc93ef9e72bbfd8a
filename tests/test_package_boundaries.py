"""Side effects live in their own packages: notifications listen to the engine,
and the engine and the workflow service know nothing of them; user
administration is a service the command line calls. Imports are read from the
source with `ast`, those inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from eqia.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "eqia"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, wherever the import statement stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


ENGINE_AND_SERVICE = sorted([*(PACKAGE / "workflow").rglob("*.py"), PACKAGE / "services" / "workflow.py"])


@pytest.mark.parametrize("path", ENGINE_AND_SERVICE, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_the_engine_and_the_workflow_service_do_not_import_notifications(path):
    assert not {m for m in imported_modules(path) if _within(m, "eqia.notifications")}


@pytest.mark.parametrize("path", ENGINE_AND_SERVICE, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_the_engine_and_the_workflow_service_do_not_mention_notifications(path):
    # Who is told what is the notifications' business: not even the outbox row is named here.
    text = path.read_text()
    assert "OutboxMessage" not in text and "notif" not in text.lower()


def test_the_command_line_only_calls_user_administration():
    # cli.py parses arguments and calls eqia.admin; it no longer builds users itself.
    cli = imported_modules(PACKAGE / "cli.py")
    assert any(_within(m, "eqia.admin") for m in cli)
    assert "eqia.models.Directorate" not in cli


@pytest.mark.parametrize("path", sorted((PACKAGE / "workflow").rglob("*.py")),
                         ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_the_engine_draws_nothing(path):
    # The diagram is presentation of the definition (eqia/diagram/), not part of the engine.
    assert "<svg" not in path.read_text() and not any(_within(m, "eqia.diagram") for m in imported_modules(path))
