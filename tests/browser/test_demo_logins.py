"""Each demo role signs in through the real sign-in page and sees its home page.

Every page visited is checked with axe-core (WCAG 2.2 A and AA) and for
Content-Security-Policy violations.
"""

import pytest
from playwright.sync_api import expect

from nonprod.demo import load_demo_data

from .people import sign_in as sign_in_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_logins(live_server):
    return dict(load_demo_data())


def sign_in(page, live_server, email):
    # Programme admins and the wellbeing lead also type the demo authenticator's code.
    sign_in_with_code(page, live_server.url, email)


ROLE_PAGES = {
    "Staff member (supervisee)": (
        "your-supervision",
        [
            "/programmes/",
            "/supervisors/",
            "/agreements/",
            "/sessions/",
            "/journal/",
            "/journal/new/gibbs/",
            "/journal/export/",
            "/wellbeing/",
            "/wellbeing/check-in/",
            "/ideas/",
            "/ideas/new/",
        ],
    ),
    "Staff member, band 5 (PNA route)": ("your-supervision", ["/programmes/"]),
    "Junior doctor": (
        "your-supervision",
        ["/peer-support/", "/peer-support/ask/", "/resources/", "/groups/"],
    ),
    "Supervisor": (
        "supervising",
        [
            "/sessions/to-log/",
            "/supervising/availability/",
            "/supervising/profile/",
            "/feedback/summary/",
        ],
    ),
    "Group facilitator": ("facilitating", ["/groups/"]),
    "Peer supporter": (
        "peer-support",
        ["/peer-support/", "/peer-support/supporter/", "/resources/"],
    ),
    "Programme admin": (
        "programme-admin",
        [
            "/people/",
            "/departments/",
            "/people/add/",
            "/manage/programmes/",
            "/manage/programmes/add/",
            "/manage/themes/",
            "/notifications/failed/",
            "/audit/",
            "/audit/?action=staff.invited&date_from=2026-02-30",
            "/groups/add/",
            "/resources/add/",
        ],
    ),
    "Wellbeing lead": ("wellbeing-lead", []),
    "Programme admin of another organisation": ("programme-admin", ["/people/"]),
}


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_demo_role_signs_in_and_sees_their_home(
    page, live_server, demo_logins, check_accessibility, csp_violations, role
):
    section, extra_pages = ROLE_PAGES[role]
    page.goto(f"{live_server.url}/accounts/login/")
    check_accessibility(page)
    sign_in(page, live_server, demo_logins[role])

    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_contain_text("Hello")
    expect(page.locator(f"#{section}")).to_be_visible()
    check_accessibility(page)

    for path in [
        *extra_pages,
        "/accounts/2fa/",
        "/accounts/email/",
        "/notifications/",
        "/notifications/preferences/",
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_have_count(1)
        check_accessibility(page)
    assert csp_violations == []


def test_form_errors_are_summarised_and_accessible(
    page, live_server, demo_logins, check_accessibility
):
    sign_in(page, live_server, demo_logins["Programme admin"])
    page.goto(f"{live_server.url}/people/add/")
    page.get_by_role("button", name="Add and send invitation").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    check_accessibility(page)


def test_wrong_password_is_explained_on_an_accessible_page(
    page, live_server, demo_logins, check_accessibility
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(demo_logins["Supervisor"])
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    check_accessibility(page)


def test_error_pages_are_accessible(page, live_server, demo_logins, check_accessibility):
    sign_in(page, live_server, demo_logins["Supervisor"])
    for path in ("/no-such-page/", "/people/", "/accounts/invitation/MQ/bad-token/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_have_count(1)
        check_accessibility(page)
