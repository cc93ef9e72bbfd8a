"""The layers point one way, read from the source itself: every import of an
app module, at the top of a file or inside a function, is an edge."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from eqia.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "eqia"


FORMS = PROJECT_ROOT / "forms"  # installed as eqia.forms (setup.cfg)


def module_name(path: Path) -> str:
    if path.is_relative_to(FORMS):
        parts = ("eqia", *path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    else:
        parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in [*PACKAGE.rglob("*.py"), *FORMS.rglob("*.py")]}


def _known(name: str) -> str:
    """The module an imported name lives in (`eqia.api.problem` is in `eqia.api`)."""
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name


def imports_of(name: str) -> set[str]:
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {_known(a.name) for a in node.names if a.name.split(".")[0] == "eqia"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{base}" if base else anchor
            if base.split(".")[0] != "eqia":
                continue
            # `from eqia.views import documents` imports a module; `from eqia.api import bp`, a name.
            found |= {_known(f"{base}.{a.name}") for a in node.names}
    # Importing eqia.a.b runs eqia/a/__init__.py first: an edge to the package too.
    for module in list(found):
        parent = module.rpartition(".")[0]
        while parent and parent != "eqia":
            if parent in modules():
                found.add(parent)
            parent = parent.rpartition(".")[0]
    found.discard(name)
    found -= {p for p in found if within(name, p)}  # a module's own packages are already running
    return found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def crossings(source: str, target: str) -> list[tuple[str, str]]:
    return sorted((m, i) for m in modules() if within(m, source) for i in imports_of(m) if within(i, target))


def test_the_reader_sees_imports_inside_functions_and_relative_ones():
    # eqia/views/__init__.py imports its view modules inside register_views.
    assert {"eqia.views.account", "eqia.views.downloads"} <= imports_of("eqia.views")
    assert "eqia.services.version_pdfs" in imports_of("eqia.responses")


def test_the_pages_and_the_api_never_import_each_other():
    """They share services (and eqia.responses for the answers both give), never each other's modules."""
    assert crossings("eqia.views", "eqia.api") == []
    assert crossings("eqia.api", "eqia.views") == []


def test_the_pdf_is_a_leaf_that_calls_no_service():
    """It receives the context the EqIA package builds (eqia.services.pdf_document) and returns bytes."""
    assert crossings("eqia.pdf", "eqia.services") == []
    assert crossings("eqia.pdf", "eqia.models") == []


# Side effects live in their own packages: notifications listen to the engine's
# signal, and the engine and the workflow service know nothing of them.
ENGINE_AND_SERVICE = sorted([*(PACKAGE / "workflow").rglob("*.py"), PACKAGE / "services" / "workflow.py"])


@pytest.mark.parametrize("path", ENGINE_AND_SERVICE, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_the_engine_and_the_workflow_service_know_nothing_of_notifications(path):
    assert not {m for m in imports_of(module_name(path)) if within(m, "eqia.notifications")}
    # Who is told what is the notifications' business: not even the outbox row is named here.
    text = path.read_text(encoding="utf-8")
    assert "OutboxMessage" not in text and "notif" not in text.lower()


def test_the_command_line_only_calls_user_administration():
    # cli.py parses arguments and calls eqia.admin; it no longer builds users itself.
    assert "eqia.admin.users" in imports_of("eqia.cli")
    assert "Directorate" not in {a.name for node in ast.walk(ast.parse((PACKAGE / "cli.py").read_text()))
                                 if isinstance(node, ast.ImportFrom) for a in node.names}


def test_the_engine_draws_nothing():
    # The diagram is presentation of the definition (eqia/diagram/), not part of the engine.
    assert crossings("eqia.workflow", "eqia.diagram") == []
    assert not [p for p in (PACKAGE / "workflow").rglob("*.py") if "<svg" in p.read_text(encoding="utf-8")]


def test_the_engine_imports_nothing_of_the_eqia():
    """eqia/workflow is the engine: definitions, hooks, the machine, its signal. The EqIA
    registers its rules into it (eqia.assessments); the engine never reaches back."""
    engine = {i for m in modules() if within(m, "eqia.workflow") for i in imports_of(m)}
    assert {i for i in engine if not within(i, "eqia.workflow")} <= {"eqia.roles", "eqia.local_time"}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every set of modules that import one another, directly or round a loop (the
    strongly connected components, of more than one module, of `graph`: module -> what it imports)."""
    order: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        order[module] = lowest[module] = len(order)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in order:
                visit(other)
                lowest[module] = min(lowest[module], lowest[other])
            elif other in stack:
                lowest[module] = min(lowest[module], order[other])
        if lowest[module] == order[module]:
            component = []
            while (member := stack.pop()) != module:
                component.append(member)
            if component:
                found.append(sorted([module, *component]))

    for module in graph:
        if module not in order:
            visit(module)
    return found


def test_the_reader_finds_a_cycle_round_a_loop():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"e"}, "f": {"g"}, "g": {"f"}}
    assert import_cycles(graph) == [["a", "b", "c"], ["f", "g"]]
    assert import_cycles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_no_app_module_imports_itself_round_a_loop():
    """forms/ is read too: it is installed as eqia.forms."""
    assert "eqia.forms.register_details" in modules()
    assert import_cycles({m: imports_of(m) & modules().keys() for m in modules()}) == []


def test_the_eqias_rules_name_pages_and_the_web_layer_knows_their_views(app):
    """A problem says which page fixes it by the page's key; eqia.views.pages alone names the views."""
    from eqia.assessments.sections import SECTIONS
    from eqia.views.pages import ENDPOINTS

    domain = [p for p in (PACKAGE / "assessments").rglob("*.py") if '"assessments.' in p.read_text(encoding="utf-8")]
    assert domain == []
    assert set(SECTIONS) <= set(ENDPOINTS)
    assert set(ENDPOINTS.values()) <= {rule.endpoint for rule in app.url_map.iter_rules()}


def test_the_forms_take_every_govuk_widget_from_forms_widgets():
    """forms/widgets.py gives each GOV.UK widget the words it would otherwise write in English (a
    field error's hidden "Error:", a date's "Day"): a form taking one from govuk-frontend-wtf itself
    would say them in English on a Welsh page."""
    direct = [path.relative_to(PROJECT_ROOT).as_posix() for path in modules().values()
              if "wtforms_widgets" in path.read_text(encoding="utf-8") and path != FORMS / "widgets.py"]
    assert direct == []
