"""What the running app imports is installed by `make install`, not only by the test extras.

`make test` installs the `test` extra too (pip-audit brings `requests`, for
one), so a runtime import missing from `[project] dependencies` would pass
every test and break `make run` and the Docker image on a fresh machine. A
fresh interpreter that cannot import anything outside what the runtime
dependencies reach (extras included) loads the site as the web server and the
worker do. `make install` adds the `dev` extra (tools the `local` settings
install as apps), so those count here; the image has none of them, and
production settings install none (tests/test_deployment_files.py).
"""

import importlib.metadata as metadata
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LOAD_THE_SITE = """
import importlib.abc, json, sys

BLOCKED = set(json.loads(sys.argv[1]))


class OnlyRuntimeDependencies(importlib.abc.MetaPathFinder):
    # As if only `make install` had run: the test extras' modules are absent.
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, OnlyRuntimeDependencies())
import django

django.setup()
from django.urls import get_resolver

get_resolver().url_patterns  # every view module
import supervision_site.celery, supervision_site.wsgi  # the worker's and the server's entry
from supervision_site.celery import app

app.loader.import_default_modules()  # every tasks module
print("loaded")
"""


def _name(requirement: str) -> tuple[str, set[str], str]:
    match = re.match(r"\s*([A-Za-z0-9_.-]+)(?:\[([^\]]*)\])?(.*)", requirement)
    assert match is not None, requirement
    extras = {e.strip() for e in (match.group(2) or "").split(",") if e.strip()}
    return _canonical(match.group(1)), extras, match.group(3)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(requirements: list[str]) -> set[str]:
    """Distributions the requirements reach, following extras and environment markers."""
    seen: set[str] = set()
    todo = [_name(r) for r in requirements]
    while todo:
        name, extras, _rest = todo.pop()
        key = f"{name}[{','.join(sorted(extras))}]"
        if key in seen:
            continue
        seen.add(key)
        seen.add(name)
        for requirement in metadata.requires(name) or []:
            text, _, marker = requirement.partition(";")
            if marker.strip():
                wanted = re.findall(r'extra\s*==\s*"([^"]+)"', marker)
                if wanted and not set(wanted) & extras:
                    continue
                if not wanted and not _marker_holds(marker):
                    continue
            todo.append(_name(text))
    return {key for key in seen if "[" not in key}


def _marker_holds(marker: str) -> bool:
    from packaging.markers import Marker

    return Marker(marker).evaluate()


def test_the_site_loads_with_only_the_runtime_dependencies_installed():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    installed = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    runtime = _closure(installed) | {"clinical-supervision"}
    blocked = sorted(
        module
        for module, distributions in metadata.packages_distributions().items()
        if not any(_canonical(d) in runtime for d in distributions)
    )
    assert "pytest" in blocked  # the test extra is what it hides
    loaded = subprocess.run(  # noqa: S603
        [sys.executable, "-c", LOAD_THE_SITE, json.dumps(blocked)],
        cwd=ROOT,
        # The settings `make run` uses.
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "supervision_site.settings.local"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert loaded.stdout.strip().endswith("loaded")


def test_the_check_sees_a_missing_one():
    # requests is reached only through allauth's socialaccount extra.
    assert "requests" in _closure(["django-allauth[socialaccount]"])
    assert "requests" not in _closure(["django-allauth[mfa]"])
