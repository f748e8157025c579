"""Which app may import which: the directions that hold, checked so they keep holding.

Apps depend downwards only. This is the part of the graph that is one-way
today (issue 14 takes the rest: accounts, audit and notifications still import
supervision and it imports them); every edge here was checked by reading the
imports, including those inside functions.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = (
    "disclosure",
    "kernel",
    "accounts",
    "audit",
    "notifications",
    "supervision",
    "peergroups",
    "feedback",
    "reports",
    "nonprod",
)
# app: the apps it must never import
FORBIDDEN = {
    "disclosure": set(APPS) - {"disclosure"},
    "supervision": {"peergroups", "feedback", "reports", "nonprod"},
    "peergroups": {"feedback", "reports", "nonprod"},
    "feedback": {"reports", "nonprod"},
    "reports": {"nonprod"},
    "accounts": {"peergroups", "feedback", "reports", "nonprod"},
    "audit": {"peergroups", "feedback", "reports", "nonprod"},
    "notifications": {"peergroups", "feedback", "reports", "nonprod"},
}


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


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_imports_only_apps_below_it(app):
    wrong = {
        other: sorted(files)
        for other, files in imported_apps(app).items()
        if other in FORBIDDEN[app]
    }
    assert wrong == {}


def test_the_check_sees_imports_inside_functions():
    # reports imports disclosure, peergroups and feedback (some inside functions)
    assert {"disclosure", "peergroups", "feedback", "supervision"} <= set(imported_apps("reports"))


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
