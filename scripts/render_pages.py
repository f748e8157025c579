"""Render every page of the role x URL matrix, as every role, to files; for diffing.

    .venv/bin/python scripts/render_pages.py var/render/before
    ... change templates ...
    .venv/bin/python scripts/render_pages.py var/render/after
    diff -r var/render/before var/render/after

Runs under pytest (a throwaway test database) with the matrix's people and
records and the demo data on top, the clock frozen at the test scenario's Monday
and the random names seeded, so that two runs of the same code write the same
files. Each URL is fetched with GET and with an empty POST (rolled back), as in
tests/test_url_matrix.py. The HTML is normalised (CSRF tokens and CSP nonces
blanked, attributes sorted, one tag per line) and written to
OUTDIR/<role>/<url name>.<method>.html, the status on its first line.
"""

import os
import re
import sys
from pathlib import Path

import pytest

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.environ["RENDER_PAGES_OUT"] = str(Path(sys.argv[1]).resolve())
    root = Path(__file__).resolve().parent.parent
    os.chdir(root)
    sys.path.insert(0, str(root))
    sys.exit(pytest.main([__file__, "-q", "-p", "no:randomly", "-W", "ignore"]))

import factory.random
import time_machine
from django.db import transaction

from tests.conftest import *  # noqa: F403 - the role fixtures
from tests.records import records  # noqa: F401
from tests.scenario import NOW
from tests.test_url_matrix import ROLES, _url, all_url_names, expected_for

TOKENS = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*'), r"\1…"),
    (re.compile(r'(nonce=")[^"]*'), r"\1…"),
    (re.compile(r"(csrfToken\s*[:=]\s*['\"])[^'\"]*"), r"\1…"),
    # An uploaded file's name gets a random suffix when the name is taken.
    (re.compile(r"\b(\w+)_[A-Za-z0-9]{7}(\.pdf)\b"), r"\1\2"),
]


ATTRIBUTE = re.compile(r'\s+([\w:-]+)(?:="([^"]*)")?')


def _sorted_attributes(tag: re.Match) -> str:
    """A start tag with its attributes in name order, so that order alone is no difference."""
    attributes = sorted(ATTRIBUTE.findall(tag.group(2)))
    text = "".join(f' {name}="{value}"' if value else f" {name}" for name, value in attributes)
    return f"<{tag.group(1)}{text}{tag.group(3)}>"


def normalise(html: str) -> str:
    for pattern, replacement in TOKENS:
        html = pattern.sub(replacement, html)
    html = re.sub(
        r"<([a-zA-Z][\w-]*)((?:\s+[\w:-]+(?:=\"[^\"]*\")?)*)\s*(/?)>", _sorted_attributes, html
    )
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r">\s*<", ">\n<", html)
    return "\n".join(line.strip() for line in html.splitlines()) + "\n"


@pytest.fixture(autouse=True)
def _deterministic():
    factory.random.reseed_random(2026)
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.django_db
def test_render(client, role_users, records):  # noqa: F811
    from nonprod.demo import load_demo_data

    load_demo_data()
    out = Path(os.environ["RENDER_PAGES_OUT"])
    for name in all_url_names():
        spec = expected_for(name)
        if name.startswith("admin:") or spec is None:
            continue
        url = _url(name, records)
        methods = ["get"] + (["post"] if spec["method"] == "get" else [])
        for role in ROLES:
            for method in methods:
                with transaction.atomic():
                    client.logout()
                    if role_users[role] is not None:
                        client.force_login(role_users[role])
                    response = getattr(client, method)(url)
                    transaction.set_rollback(True)
                if not response.get("Content-Type", "").startswith("text/html"):
                    continue
                path = out / role / f"{name.replace(':', '.')}.{method}.html"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(f"{response.status_code}\n{normalise(response.content.decode())}")
