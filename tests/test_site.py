"""The site's shell: health check, the script nonce, error pages.

The security headers are asserted in test_security_headers.py.
"""

import pytest
from django.db import OperationalError
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_says_503_when_the_database_does_not(client, monkeypatch):
    from supervision_site import views

    class BrokenConnection:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", BrokenConnection())
    assert client.get("/healthz").status_code == 503


def test_pages_carry_a_nonce_based_content_security_policy(client, supervisee):
    client.force_login(supervisee)
    response = client.get(reverse("supervision:home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    content = response.content.decode()
    # Every inline script carries the nonce; no inline script goes without.
    assert content.count("<script") == content.count(f'nonce="{nonce}"') + content.count(
        '<script type="module" src='
    )


def test_pages_say_they_are_in_british_english(client):
    response = client.get(reverse("account_login"))
    assert '<html lang="en-GB">' in response.content.decode()


def test_unknown_page_is_a_404_in_the_site_layout(client, supervisee):
    client.force_login(supervisee)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_templates_are_parsed_once_per_process_not_per_request():
    """Django's cached loader, on only while TEMPLATES sets no `loaders` (production
    adds none): the pages' templates and the components' are compiled once."""
    from django.conf import settings
    from django.template import Engine
    from django.template.loaders.cached import Loader

    options = settings.TEMPLATES[0]["OPTIONS"]
    assert isinstance(options, dict)
    assert "loaders" not in options
    assert [type(loader) for loader in Engine.get_default().template_loaders] == [Loader]


def test_the_layouts_links_are_reversed_once_and_follow_the_script_prefix():
    from django.urls import get_script_prefix, set_script_prefix

    from supervision.navigation import MENU, SHELL_URLS, shell_urls

    names = [name for name, *_rest in MENU] + list(SHELL_URLS)
    assert shell_urls() == {name: reverse(name) for name in names}
    assert shell_urls() is shell_urls()
    prefix = get_script_prefix()
    set_script_prefix("/supervision/")
    try:
        assert shell_urls()["supervision:home"] == "/supervision/"
    finally:
        set_script_prefix(prefix)
    assert shell_urls()["supervision:home"] == "/"
