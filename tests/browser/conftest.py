"""Browser tests: Debian's Chromium driven by Playwright against live_server."""

import json
import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the Django calls the
# tests make around it are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def axe_source():
    return AXE.read_text()


# Wait until the page has stopped moving before axe looks at it. nhsuk-frontend's header
# lays its menu out again on every resize (a web font arriving, a scroll bar appearing):
# it puts every item back in the bar, then, in the next animation frame, moves those
# that overflow into the "More" list. Checked in between, the overflowing items wrap
# below the blue bar, white on white, and axe reports their contrast (seen once in CI,
# on the compliance page). Settled = fonts loaded and the same layout of the menu over
# three animation frames in a row.
SETTLED = """async () => {
  await document.fonts.ready;
  const frame = () => new Promise((done) => requestAnimationFrame(() => done()));
  const layout = () => {
    const bar = document.querySelector(".nhsuk-header__navigation-list");
    if (!bar) return "";
    const items = [...document.querySelectorAll(".nhsuk-header__navigation-item")];
    const placed = items.map((item) => (item.parentElement === bar ? 1 : 0));
    return bar.offsetWidth + ":" + placed.join("");
  };
  let last = layout(), same = 0;
  for (let i = 0; i < 60 && same < 3; i++) {
    await frame();
    const now = layout();
    same = now === last ? same + 1 : 0;
    last = now;
  }
}"""


@pytest.fixture
def check_accessibility(axe_source):
    """Run axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the page; require no violation."""

    def check(page):
        page.evaluate(SETTLED)
        page.evaluate(axe_source)
        result = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            WCAG_TAGS,
        )
        violations = [
            {
                "rule": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]][:5],
            }
            for v in result["violations"]
        ]
        assert violations == [], f"{page.url}\n{json.dumps(violations, indent=2)}"

    return check


@pytest.fixture
def csp_violations(page):
    """Console messages in which the browser reports a blocked script or style."""
    seen = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


@pytest.fixture
def demo(live_server):
    """The demo data, as the role -> email of its demo logins."""
    from nonprod.demo import load_demo_data

    return dict(load_demo_data())


@pytest.fixture
def worker():
    """A real Celery worker (a thread here) on the configured broker."""
    from celery.contrib.testing.worker import start_worker

    from supervision_site.celery import app

    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield
