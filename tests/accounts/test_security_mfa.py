"""Two-factor authentication: required for programme admins, wellbeing leads and
staff users, asked for at every sign-in, never skipped by a password reset."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kernel.models import Role

from ..factories import (
    PASSWORD,
    RoleGrantFactory,
    StaffProfileFactory,
    UserFactory,
    add_authenticator_app,
    totp_code,
)

pytestmark = pytest.mark.django_db

SETUP = reverse("mfa_activate_totp")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth keeps used codes and rate limits in the cache.
    cache.clear()


def _person_with_role(organisation, role):
    """Someone just given `role`, who has not set up an authenticator app yet."""
    user = StaffProfileFactory(organisation=organisation).user
    RoleGrantFactory(user=user, organisation=organisation, role=role, authenticator_app=False)
    return user


@pytest.fixture
def new_admin(organisation):
    return _person_with_role(organisation, Role.PROGRAMME_ADMIN)


def _sign_in(client, user, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def _confirm_password(client, password=PASSWORD):
    """allauth asks for the password again before two-factor settings change."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("role", [Role.PROGRAMME_ADMIN, Role.WELLBEING_LEAD])
def test_admin_or_lead_without_an_authenticator_app_is_sent_to_set_one_up(
    client, organisation, role
):
    user = _person_with_role(organisation, role)
    client.force_login(user)
    response = client.get(reverse("supervision:home"))
    assert response.status_code == 302
    assert response["Location"] == SETUP
    assert any("needs two-factor authentication" in m for m in _messages(response))


def test_staff_user_without_an_authenticator_app_cannot_reach_the_django_admin(client, db):
    staff = UserFactory(is_staff=True, is_superuser=True, authenticator_app=False)
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == SETUP


def test_a_form_sent_without_an_authenticator_app_changes_nothing(client, new_admin, supervisee):
    client.force_login(new_admin)
    response = client.post(
        reverse("supervision:person_deactivate", kwargs={"pk": supervisee.profile.pk}),
        {"reason": "Left the trust"},
    )
    assert response.status_code == 302
    assert response["Location"] == SETUP
    supervisee.refresh_from_db()
    assert supervisee.is_active


def test_set_up_pages_sign_out_and_health_check_stay_open(client, new_admin):
    client.force_login(new_admin)
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    # Setting up asks for the password again first (force_login recorded none).
    response = client.get(SETUP)
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(response["Location"]).status_code == 200
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_new_admin_sets_up_an_authenticator_app_and_can_then_work(client, new_admin):
    _sign_in(client, new_admin)  # no authenticator yet, so no code asked
    assert client.get(reverse("supervision:people"))["Location"] == SETUP
    _confirm_password(client)
    assert client.get(SETUP).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"
    assert client.post(SETUP, {"code": wrong}).status_code == 200
    assert not Authenticator.objects.filter(user=new_admin).exists()
    response = client.post(SETUP, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=new_admin, type="totp").exists()
    assert client.get(reverse("supervision:people")).status_code == 200


def test_supervisee_needs_no_authenticator_and_costs_no_query_for_it(client, supervisee):
    client.force_login(supervisee)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("supervision:home")).status_code == 200
    assert not [q for q in queries if "mfa_authenticator" in q["sql"]]


def test_admin_with_an_authenticator_app_costs_one_query_for_it(client, programme_admin):
    client.force_login(programme_admin)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("supervision:people")).status_code == 200
    assert len([q for q in queries if "mfa_authenticator" in q["sql"]]) == 1


def test_sign_in_asks_an_admin_for_their_code(client, programme_admin):
    response = _sign_in(client, programme_admin)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": "12345"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(programme_admin.pk)


def test_admin_cannot_turn_off_their_authenticator_app(client, programme_admin):
    _sign_in(client, programme_admin)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    _confirm_password(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "cannot turn off your authenticator app" in response.content.decode()
    assert Authenticator.objects.filter(user=programme_admin, type="totp").exists()


def test_supervisee_may_turn_off_an_authenticator_app_they_chose(client, supervisee):
    add_authenticator_app(supervisee)
    _sign_in(client, supervisee)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    _confirm_password(client)
    client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=supervisee, type="totp").exists()


def test_password_reset_signs_nobody_in_and_the_next_sign_in_asks_for_the_code(
    client, programme_admin
):
    client.post(reverse("account_reset_password"), {"email": programme_admin.email})
    link = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", str(mail.outbox[-1].body)
    )
    assert link is not None
    form_url = client.get(link.group(1))["Location"]
    new_password = "Reflective-supervision-77"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session

    response = _sign_in(client, programme_admin, new_password)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert client.session["_auth_user_id"] == str(programme_admin.pk)


def test_django_admin_signs_in_through_allauth_with_the_code(client, db):
    staff = UserFactory(is_staff=True, is_superuser=True)
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    # Django's own sign-in form, which knows no second step, is gone.
    client.post(reverse("admin:login"), {"username": staff.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert _sign_in(client, staff)["Location"] == reverse("mfa_authenticate")
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert client.get(reverse("admin:index")).status_code == 200


def test_django_admin_refuses_a_signed_in_person_who_is_not_staff(client, supervisee):
    client.force_login(supervisee)
    assert client.get(reverse("admin:login")).status_code == 403


def test_an_authenticator_app_counts_only_for_its_owner_and_only_an_app(organisation):
    """accounts.permissions.has_totp (a query built once): recovery codes are not an app,
    and someone else's app is not one's own."""
    from accounts.permissions import has_totp

    owner, other = UserFactory(), UserFactory()
    Authenticator.objects.create(user=other, type=Authenticator.Type.RECOVERY_CODES, data={})
    assert not has_totp(owner)
    assert not has_totp(other)
    add_authenticator_app(owner)
    assert has_totp(owner)
    assert not has_totp(other)
