"""Which app may import which, and whose tables it may read: checked so they keep holding.

Apps are layered and depend downwards only, with no cycles: the kernel
(people, organisations, programmes, roles, the permission primitives, form and
date helpers, the invite builder) and the disclosure-control module at the
bottom, then audit, accounts and notifications, then the domain apps. Every
edge is read off the code, including imports inside functions.

No app reads another's tables: it calls the plain functions that app exposes.
The kernel's tables are everyone's.
"""

import ast
from pathlib import Path

import pytest
from django.db import models

ROOT = Path(__file__).resolve().parents[1]
# Bottom to top: an app may import only apps before it.
LAYERS = (
    "disclosure",
    "kernel",
    "operations",
    "audit",
    "accounts",
    "notifications",
    "supervision",
    "peergroups",
    "feedback",
    "reports",
    "provisioning",
    "nonprod",
)
APPS = LAYERS


def imported_apps(app: str) -> dict[str, set[str]]:
    """{imported app: {files importing it}} for every import in the app's code."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in APPS and top != app:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_only_apps_below_it(app):
    below = set(LAYERS[: LAYERS.index(app)])
    wrong = {
        other: sorted(files) for other, files in imported_apps(app).items() if other not in below
    }
    assert wrong == {}


def test_the_kernel_imports_none_of_our_apps():
    assert imported_apps("kernel") == {}


def _type_checking_only(tree) -> set[int]:
    """Line numbers of imports under `if TYPE_CHECKING:` (annotations read no table)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def tables_read_across(app: str) -> list[str]:
    """'file: module.Model' for each concrete model of another app (not the kernel) imported.

    Model modules are left out: a foreign key declares a relation between
    tables, it reads nothing. nonprod is left out: it writes every app's demo
    data and is never installed in production.
    """
    import importlib

    found = []
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts or "models" in path.parts or path.name == "models.py":
            continue
        tree = ast.parse(path.read_text())
        typing_only = _type_checking_only(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module):
                continue
            top = node.module.split(".")[0]
            if top not in APPS or top in (app, "kernel") or node.lineno in typing_only:
                continue
            module = importlib.import_module(node.module)
            for alias in node.names:
                obj = getattr(module, alias.name, None)
                if (
                    isinstance(obj, type)
                    and issubclass(obj, models.Model)
                    and not obj._meta.abstract
                ):
                    found.append(f"{path.relative_to(ROOT)}: {node.module}.{alias.name}")
    return sorted(found)


@pytest.mark.parametrize("app", [app for app in LAYERS if app != "nonprod"])
def test_no_app_reads_another_apps_tables(app):
    assert tables_read_across(app) == []


def test_the_table_check_sees_a_model_imported_across():
    # nonprod writes other apps' tables directly, so the check must see it there
    assert any("supervision.models.Session" in line for line in tables_read_across("nonprod"))


def test_the_check_sees_imports_inside_functions():
    # reports imports disclosure, peergroups and feedback (some inside functions)
    assert {"disclosure", "peergroups", "feedback", "supervision"} <= set(imported_apps("reports"))
    assert {"kernel", "audit"} <= set(imported_apps("accounts"))


def _module_graph(package: str) -> dict[str, set[str]]:
    """{module: modules of `package` it imports}, relative imports resolved."""
    graph: dict[str, set[str]] = {}
    base = ROOT / package.replace(".", "/")
    for path in base.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        name = ".".join(parts)
        here = parts if is_package else parts[:-1]
        edges = graph.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                anchor = here[: len(here) - (node.level - 1)]
                target = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            candidates = [target] + [f"{target}.{alias.name}" for alias in node.names]
            for candidate in candidates:
                if candidate.startswith(package) and candidate != name:
                    edges.add(candidate)
    return {name: {e for e in edges if e in graph or _exists(e)} for name, edges in graph.items()}


def _exists(module: str) -> bool:
    path = ROOT / module.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for other in sorted(graph.get(node, ())):
            if state.get(other) == "open":
                found.append([*stack[stack.index(other) :], other])
            elif other not in state:
                visit(other, [*stack, other])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


@pytest.mark.parametrize(
    "package", ["notifications", "supervision.services", "disclosure", "reports"]
)
def test_no_import_circles_inside(package):
    assert _cycles(_module_graph(package)) == []


def test_the_circle_check_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
