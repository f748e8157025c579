"""Single sign-on with Microsoft Entra ID: only invited, active staff get in.

The OAuth round trip runs through allauth's real views; only the two calls
that leave the machine (the token endpoint and Microsoft Graph's /me) are
answered by a stand-in, as allauth's own provider tests do with
`mocked_response` (allauth's test helpers are not shipped in its wheel).
"""

import json
import runpy
from contextlib import contextmanager
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, urlparse

import environ
import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from audit.models import AuditEntry
from kernel.models import Band, Profession
from supervision.services.people import staff_deactivate, staff_invite

pytestmark = pytest.mark.django_db

TENANT = "3f2c1a9e-0000-4000-8000-00000000c0de"
TOKEN_URL = f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
AUTHORIZE_URL = f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize"
GRAPH_ME = "https://graph.microsoft.com/v1.0/me"
BUTTON = "Sign in with your organisation's Microsoft account (NHSmail)</button>"
NOT_INVITED = "Your organisation hasn't invited this email address yet. Ask your programme admin."
BASE_SETTINGS = Path(__file__).resolve().parents[2] / "supervision_site" / "settings" / "base.py"


def _entra(verified_email=True):
    return {
        "microsoft": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "client_id": "test-client-id",
                    "secret": "test-client-secret",
                    "settings": {"tenant": TENANT, "verified_email": verified_email},
                }
            ],
        }
    }


@pytest.fixture
def sso_on(settings):
    settings.SOCIALACCOUNT_PROVIDERS = _entra()
    return settings


@pytest.fixture
def invited(organisation, programme_admin):
    """Added by a programme admin; has not chosen a password."""
    return staff_invite(
        actor=programme_admin,
        organisation=organisation,
        email="new.starter@westfield.example",
        first_name="New",
        last_name="Starter",
        profession=Profession.NURSE,
        band=Band.BAND_5,
        send_invitation=False,
    ).user


def _json_response(payload, status=200):
    response = requests.Response()
    response.status_code = status
    response.headers["content-type"] = "application/json"
    response._content = json.dumps(payload).encode()
    return response


@contextmanager
def _microsoft_answers(email, uid="5d8a1b2c-aaaa-4bbb-8ccc-0123456789ab"):
    """Stand in for Entra ID's token endpoint and Graph's /me; any other request fails."""
    calls = []

    def request(method, url, **kwargs):
        calls.append((method, url, kwargs))
        if (method, url) == ("POST", TOKEN_URL):
            return _json_response(
                {"token_type": "Bearer", "access_token": "test-access-token", "expires_in": 3600}
            )
        if (method, url) == ("GET", GRAPH_ME):
            return _json_response(
                {
                    "id": uid,
                    "displayName": "New Starter",
                    "givenName": "New",
                    "surname": "Starter",
                    "mail": email,
                    "userPrincipalName": email,
                    "mailNickname": email.split("@")[0],
                    "jobTitle": "Staff Nurse",
                }
            )
        raise AssertionError(f"unexpected request to {method} {url}")

    with mock.patch.object(requests.Session, "request", side_effect=request):
        yield calls


def _sign_in_with_microsoft(client, email, process="login", **kwargs):
    """Press the button, come back from Microsoft with a code, and return the final answer."""
    start = client.post(reverse("microsoft_login"), {"process": process})
    assert start.status_code == 302
    assert start["Location"].startswith(AUTHORIZE_URL)
    query = parse_qs(urlparse(start["Location"]).query)
    assert query["client_id"] == ["test-client-id"]
    with _microsoft_answers(email, **kwargs) as calls:
        response = client.get(
            reverse("microsoft_callback"), {"code": "test-code", "state": query["state"][0]}
        )
    token_request = calls[0][2]["data"]
    assert token_request["client_secret"] == "test-client-secret"
    assert "code_verifier" in token_request  # PKCE
    return response


def _signed_in_as(client):
    return client.session.get("_auth_user_id")


# --- Switched on by environment variables, off by default -------------------


def _settings_from_environment(monkeypatch, **variables):
    for name in (
        "ENTRA_CLIENT_ID",
        "ENTRA_CLIENT_SECRET",
        "ENTRA_TENANT_ID",
        "ENTRA_EMAIL_DOMAINS",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    # Only the environment given here, not a developer's .env file.
    monkeypatch.setattr(environ.Env, "read_env", classmethod(lambda cls, *a, **k: None))
    return runpy.run_path(str(BASE_SETTINGS))


def test_sso_is_off_unless_all_three_entra_variables_are_set(monkeypatch):
    assert _settings_from_environment(monkeypatch)["SOCIALACCOUNT_PROVIDERS"] == {}
    partial = _settings_from_environment(
        monkeypatch, ENTRA_CLIENT_ID="client", ENTRA_TENANT_ID=TENANT
    )
    assert partial["SOCIALACCOUNT_PROVIDERS"] == {}


def test_entra_variables_configure_the_microsoft_provider_for_one_tenant(monkeypatch):
    configured = _settings_from_environment(
        monkeypatch,
        ENTRA_CLIENT_ID="client",
        ENTRA_CLIENT_SECRET="secret",
        ENTRA_TENANT_ID=TENANT,
        ENTRA_EMAIL_DOMAINS="nhs.net",
    )
    [app] = configured["SOCIALACCOUNT_PROVIDERS"]["microsoft"]["APPS"]
    assert app["client_id"] == "client"
    assert app["secret"] == "secret"
    assert app["settings"] == {"tenant": TENANT, "verified_email": ["nhs.net"]}
    # The sign-in form is redirected to Entra ID, which form-action must allow.
    form_action = configured["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"]
    assert "https://login.microsoftonline.com" in form_action


def test_without_sso_forms_may_post_only_to_the_site(monkeypatch):
    off = _settings_from_environment(monkeypatch)
    assert off["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["form-action"] == ["'self'"]


def test_a_multi_tenant_endpoint_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="ENTRA_TENANT_ID"):
        _settings_from_environment(
            monkeypatch,
            ENTRA_CLIENT_ID="client",
            ENTRA_CLIENT_SECRET="secret",
            ENTRA_TENANT_ID="common",
        )


def test_when_off_the_sign_in_page_has_no_microsoft_button_and_its_pages_do_not_exist(
    client, settings
):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    page = client.get(reverse("account_login"))
    assert page.status_code == 200
    assert BUTTON not in page.content.decode()
    assert client.post(reverse("microsoft_login"), {"process": "login"}).status_code == 404
    assert client.get(reverse("microsoft_callback"), {"code": "x", "state": "y"}).status_code == 404


def test_a_social_app_added_in_the_database_does_not_switch_sso_on(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    SocialApp.objects.create(provider="microsoft", name="Sneaky", client_id="x", secret="y")
    assert BUTTON not in client.get(reverse("account_login")).content.decode()
    assert client.post(reverse("microsoft_login"), {"process": "login"}).status_code == 404


def test_when_on_the_sign_in_page_offers_microsoft_as_a_post_form(client, sso_on):
    content = client.get(reverse("account_login")).content.decode()
    assert BUTTON in content
    form = content[: content.index(BUTTON)].rsplit("<form", 1)[1]
    assert 'method="post"' in form
    assert f'action="{reverse("microsoft_login")}?process=login"' in form
    assert "csrfmiddlewaretoken" in form


# --- Who gets in --------------------------------------------------------------


def test_invited_person_signs_in_with_a_matching_verified_email_and_is_connected(
    client, sso_on, invited
):
    response = _sign_in_with_microsoft(client, "New.Starter@westfield.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:home")
    assert _signed_in_as(client) == str(invited.pk)
    account = SocialAccount.objects.get(provider="microsoft")
    assert account.user == invited
    assert account.uid == "5d8a1b2c-aaaa-4bbb-8ccc-0123456789ab"
    assert EmailAddress.objects.get(user=invited).verified
    entry = AuditEntry.objects.get(action="account.sso_connected")
    assert entry.actor_id == invited.pk
    assert entry.organisation_id == invited.profile.organisation_id


def test_connected_person_signs_in_again_through_the_same_connection(client, sso_on, invited):
    _sign_in_with_microsoft(client, invited.email)
    client.logout()
    response = _sign_in_with_microsoft(client, invited.email)
    assert response["Location"] == reverse("supervision:home")
    assert _signed_in_as(client) == str(invited.pk)
    assert SocialAccount.objects.count() == 1
    assert AuditEntry.objects.filter(action="account.sso_connected").count() == 1


def test_unknown_email_is_refused_and_no_account_is_created(client, sso_on, invited):
    users_before = get_user_model().objects.count()
    response = _sign_in_with_microsoft(client, "stranger@westfield.example")
    assert response.status_code == 403
    assert NOT_INVITED in response.content.decode()
    assert _signed_in_as(client) is None
    assert get_user_model().objects.count() == users_before
    assert not get_user_model().objects.filter(email="stranger@westfield.example").exists()
    assert not SocialAccount.objects.exists()


def test_account_without_a_staff_profile_is_refused(client, sso_on):
    admin = get_user_model().objects.create_superuser("it.admin@westfield.example", "x" * 12)
    response = _sign_in_with_microsoft(client, admin.email)
    assert response.status_code == 403
    assert NOT_INVITED in response.content.decode()
    assert _signed_in_as(client) is None
    assert not SocialAccount.objects.exists()


def test_unverified_email_is_refused_even_when_it_matches(client, settings, invited):
    # The tenant is trusted for nhs.net addresses only; this one is not.
    settings.SOCIALACCOUNT_PROVIDERS = _entra(verified_email=["nhs.net"])
    response = _sign_in_with_microsoft(client, invited.email)
    assert response.status_code == 403
    assert "did not give us an email address we can trust" in response.content.decode()
    assert _signed_in_as(client) is None
    assert not SocialAccount.objects.exists()


def test_deactivated_person_is_refused(client, sso_on, invited, programme_admin):
    staff_deactivate(actor=programme_admin, profile=invited.profile, reason="Left the trust")
    response = _sign_in_with_microsoft(client, invited.email)
    assert response.status_code == 403
    assert "has been deactivated" in response.content.decode()
    assert _signed_in_as(client) is None
    assert not SocialAccount.objects.exists()


def test_deactivated_person_cannot_use_a_microsoft_account_connected_before(
    client, sso_on, invited, programme_admin
):
    _sign_in_with_microsoft(client, invited.email)
    client.logout()
    staff_deactivate(actor=programme_admin, profile=invited.profile, reason="Left the trust")
    response = _sign_in_with_microsoft(client, invited.email)
    assert response.status_code == 403
    assert _signed_in_as(client) is None


def test_signed_in_person_cannot_connect_someone_elses_microsoft_account(
    client, sso_on, supervisee, invited
):
    client.force_login(supervisee)
    response = _sign_in_with_microsoft(client, invited.email, process="connect")
    assert response.status_code == 403
    assert not SocialAccount.objects.exists()
    assert _signed_in_as(client) == str(supervisee.pk)


def test_a_plain_link_to_microsoft_sign_in_asks_before_leaving_the_site(client, sso_on):
    # No sign-in started by a mere link (login CSRF): a GET shows a confirm form.
    page = client.get(reverse("microsoft_login"))
    assert page.status_code == 200
    content = page.content.decode()
    assert content.count("<h1") == 1
    assert 'method="post"' in content
