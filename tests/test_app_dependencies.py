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
