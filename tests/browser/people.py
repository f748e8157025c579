"""A demo person signed in in a browser context of their own."""

from playwright.sync_api import expect

from supervision.demo import DEMO_PASSWORD


class Person:
    """Signs in through the real sign-in page; every page it visits is checked with axe."""

    def __init__(self, browser, live_server, email, check):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.url = live_server.url
        self.check = check
        self.page.goto(f"{self.url}/accounts/login/")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(DEMO_PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.locator("h1")).to_contain_text("Hello")
        self.check(self.page)

    def go(self, path):
        self.page.goto(f"{self.url}{path}")
        self.check(self.page)

    def click(self, role, name):
        self.page.get_by_role(role, name=name).first.click()
        self.check(self.page)
