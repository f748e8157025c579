"""A demo person signed in in a browser context of their own."""

import time

from playwright.sync_api import expect

from nonprod.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.factories import totp_code

# A two-factor code is accepted once: (email, code) pairs already typed here.
_used_codes: set[tuple[str, str]] = set()


def demo_totp_code(email: str) -> str:
    """What the demo authenticator app shows now, waiting for a fresh code if this
    person already used the current one (at most one 30-second period)."""
    while True:
        # A code typed in the last seconds of its 30-second period can reach the
        # server in the next one, where it no longer counts (seen on a loaded
        # machine): wait for a fresh period instead.
        left = 30 - time.time() % 30
        if left < 5:
            time.sleep(left + 0.2)
        code = totp_code(DEMO_TOTP_SECRET)
        if (email, code) not in _used_codes:
            break
        time.sleep(1)
    _used_codes.add((email, code))
    return code


def sign_in(page, base_url, email):
    """Sign in through the real sign-in page, answering the two-factor step if it comes."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/2fa/authenticate/" in page.url:
        page.locator("input[name=code]").fill(demo_totp_code(email))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" not in url)


class Person:
    """Signs in through the real sign-in page; every page it visits is checked with axe."""

    def __init__(self, browser, live_server, email, check):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.url = live_server.url
        self.check = check
        sign_in(self.page, self.url, email)
        expect(self.page.locator("h1")).to_contain_text("Hello")
        self.check(self.page)

    def go(self, path):
        self.page.goto(f"{self.url}{path}")
        self.check(self.page)

    def click(self, role, name):
        self.page.get_by_role(role, name=name).first.click()
        self.check(self.page)
