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
