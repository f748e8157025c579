"""Every response carries the security headers; production adds HSTS and locked cookies.

The headers are asserted on a signed-in page, the sign-in page and each kind of
file download; production is exercised for real in a clean subprocess (HTTPS
requests through the production settings), the way tests/test_deployment_files.py
runs its checks.
"""

import json

import pytest
from django.urls import reverse

from tests.test_deployment_files import REQUIRED_PRODUCTION_ENV, run_python

pytestmark = pytest.mark.django_db

CSP = {
    "default-src": {"'self'"},
    # Plus a fresh 'nonce-...' on a page with inline scripts (tests/test_site.py).
    "script-src": {"'self'"},
    # Plus the same nonce, for the printed report's running header only.
    "style-src": {"'self'"},
    # data: for the authenticator set-up page's QR code (an inline SVG image).
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'", "https://assets.nhs.uk"},
    "connect-src": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
    "base-uri": {"'none'"},
    "object-src": {"'none'"},
}
SWITCHED_OFF = ("camera", "microphone", "geolocation", "payment", "usb")


def csp_directives(response) -> dict[str, set[str]]:
    """The policy as {directive: sources}, without the per-response script nonce."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        nonces = {s for s in sources if s.startswith("'nonce-")}
        assert not nonces or name in ("script-src", "style-src"), name
        directives[name] = set(sources) - nonces
    return directives


def permissions_policy(response) -> dict[str, str]:
    return dict(item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))


def assert_security_headers(response):
    assert csp_directives(response) == CSP
    policy = permissions_policy(response)
    for feature in SWITCHED_OFF:
        assert policy[feature] == "()", feature
    assert set(policy.values()) == {"()"}
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    cache_control = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control, response["Cache-Control"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files (the resource's) go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path


def test_signed_in_page_carries_every_security_header(client, supervisee):
    client.force_login(supervisee)
    response = client.get(reverse("supervision:home"))
    assert response.status_code == 200
    assert_security_headers(response)


def test_sign_in_page_carries_every_security_header(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert_security_headers(response)
    # The CSRF cookie set for its form is out of reach of scripts and other sites.
    cookie = response.cookies["csrftoken"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_error_pages_carry_the_security_headers_too(client, supervisee):
    client.force_login(supervisee)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_security_headers(response)


def test_session_cookie_is_http_only_and_same_site_lax(client, supervisee):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("account_login"), {"login": supervisee.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize(
    ("download", "content_type"),
    [
        ("resource", "application/pdf"),
        ("session_ics", "text/calendar"),
        ("journal_pdf", "application/pdf"),
        ("personal_data_zip", "application/zip"),
        ("report_csv", "text/csv"),
    ],
)
def test_file_downloads_carry_the_headers_and_are_never_stored(
    client, supervisee, programme_admin, records, download, content_type
):
    client.force_login(programme_admin if download == "report_csv" else supervisee)
    if download == "resource":
        response = client.get(reverse("peergroups:resource_file", args=[records["resource"].pk]))
    elif download == "session_ics":
        response = client.get(reverse("supervision:session_ics", args=[records["upcoming"].pk]))
    elif download == "journal_pdf":
        response = client.post(
            reverse("feedback:journal_export_pdf"), {"ids": [records["journal_entry"].pk]}
        )
    elif download == "personal_data_zip":
        response = client.post(reverse("accounts:data_export"))
    else:
        response = client.get(reverse("reports:export", args=["activity"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith("attachment;")
    assert_security_headers(response)


# --- production, for real ------------------------------------------------------

# Over HTTPS (as the proxy in front says), through the production settings: the
# sign-in page, a sign-in, a signed-in page, and a plain-HTTP request.
PRODUCTION_REQUESTS = """
import json
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, override_settings

call_command("migrate", verbosity=0)
user = get_user_model().objects.create_user(email="nurse@example.nhs.uk", password="a-long-pw-1")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
COOKIE_ATTRIBUTES = ("path", "domain", "secure", "httponly", "samesite")
https = {"HTTP_HOST": "supervision.example.nhs.uk", "HTTP_X_FORWARDED_PROTO": "https"}
client = Client(**https)

def seen(response):
    return {
        "status": response.status_code,
        "location": response.get("Location", ""),
        "headers": dict(response.headers),
        "cookies": {
            name: {key: str(morsel[key]) for key in COOKIE_ATTRIBUTES}
            for name, morsel in response.cookies.items()
        },
    }

# The manifest of collected static files does not exist here; nothing else differs.
plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain_static}):
    sign_in_page = seen(client.get("/accounts/login/", secure=True))
    sign_in = seen(client.post(
        "/accounts/login/", {"login": user.email, "password": "a-long-pw-1"}, secure=True
    ))
    home = seen(client.get("/", secure=True))
    plain_http = seen(Client(HTTP_HOST="supervision.example.nhs.uk").get("/accounts/login/"))
print(json.dumps({
    "sign_in_page": sign_in_page, "sign_in": sign_in, "home": home, "plain_http": plain_http,
}))
"""


@pytest.fixture(scope="module")
def production():
    """What the production settings answer: one subprocess for the module's tests."""
    from cryptography.fernet import Fernet

    result = run_python(
        "import django; django.setup()\n" + PRODUCTION_REQUESTS,
        {
            **REQUIRED_PRODUCTION_ENV,
            "DATABASE_URL": "sqlite://:memory:",
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        },
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


class _Seen:
    """A response seen in the subprocess, readable by the helpers above."""

    def __init__(self, seen):
        self.headers = seen["headers"]

    def __getitem__(self, name):
        return self.headers[name]


def test_production_sends_hsts_for_a_year_with_subdomains(production):
    for page in ("sign_in_page", "home"):
        hsts = production[page]["headers"]["Strict-Transport-Security"]
        assert hsts == "max-age=31536000; includeSubDomains; preload", page


def test_production_pages_carry_every_security_header(production):
    assert production["sign_in_page"]["status"] == 200
    assert production["home"]["status"] == 200
    assert_security_headers(_Seen(production["sign_in_page"]))
    assert_security_headers(_Seen(production["home"]))


def test_production_cookies_are_host_only_secure_http_only_and_same_site(production):
    assert production["sign_in"]["status"] == 302
    cookies = {**production["sign_in_page"]["cookies"], **production["sign_in"]["cookies"]}
    assert set(cookies) == {"__Host-csrftoken", "__Host-sessionid"}
    for name, cookie in cookies.items():
        # __Host- cookies must be Secure, Path=/ and have no Domain, or browsers drop them.
        assert cookie["secure"] == "True", name
        assert cookie["path"] == "/", name
        assert cookie["domain"] == "", name
        assert cookie["httponly"] == "True", name
        assert cookie["samesite"] == "Lax", name


def test_production_sends_plain_http_to_https(production):
    assert production["plain_http"]["status"] == 301
    assert production["plain_http"]["location"].startswith("https://")
