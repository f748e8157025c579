"""Sign-ins, failed sign-ins and two-factor events reach the audit trail, under the
person's organisation, with the client's address and never a password or code."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.core.cache import cache
from django.urls import reverse

from audit.models import AuditEntry
from kernel.models import Role

from ..accounts.test_invitation import _accept, _invite_admin
from ..factories import (
    PASSWORD,
    RoleGrantFactory,
    StaffProfileFactory,
    add_authenticator_app,
    totp_code,
)

pytestmark = pytest.mark.django_db

LOG = reverse("audit:log")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth keeps used codes and rate limits in the cache.
    cache.clear()


def _sign_in(client, email, password=PASSWORD, address="198.51.100.7"):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=address
    )


def _entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def test_a_sign_in_is_recorded_under_the_persons_organisation_with_their_address(
    client, supervisee
):
    _sign_in(client, supervisee.email)
    [entry] = _entries("account.signed_in")
    assert entry.actor_id == supervisee.pk
    assert entry.organisation_id == supervisee.profile.organisation_id
    assert entry.ip_address == "198.51.100.7"


def test_an_admins_sign_in_is_recorded_once_after_the_code(client, programme_admin):
    _sign_in(client, programme_admin.email)
    assert _entries("account.signed_in") == []  # the password alone did not sign in
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert len(_entries("account.signed_in")) == 1


def test_a_failed_sign_in_is_recorded_for_the_account_without_the_password(client, supervisee):
    _sign_in(client, supervisee.email, password="Wrong-password-typed-9")
    [entry] = _entries("account.signin_failed")
    assert entry.target_id == str(supervisee.pk)
    assert entry.organisation_id == supervisee.profile.organisation_id
    assert entry.ip_address == "198.51.100.7"
    stored = f"{entry.summary} {entry.details}"
    assert "Wrong-password-typed-9" not in stored


def test_a_failed_sign_in_for_an_unknown_address_is_shown_to_no_admin(
    client, programme_admin, organisation
):
    _sign_in(client, "nobody.here@westfield.example", password="Secret-typed-in-9")
    [entry] = _entries("account.signin_failed")
    assert entry.organisation_id is None
    assert "nobody.here" not in f"{entry.summary} {entry.details} {entry.target_id}"
    assert "Secret-typed-in-9" not in f"{entry.summary} {entry.details}"
    client.force_login(programme_admin)
    assert "no account" not in client.get(LOG).content.decode()


def test_the_admin_reads_sign_ins_and_failures_in_words(client, programme_admin, supervisee):
    _sign_in(client, supervisee.email, password="Wrong-password-typed-9")
    _sign_in(client, supervisee.email)
    client.logout()
    client.force_login(programme_admin)
    page = client.get(LOG).content.decode()
    assert "Failed to sign in" in page
    assert "Signed in" in page
    assert "account.signed_in" not in page.split("<tbody", 1)[1]


def test_two_factor_set_up_wrong_codes_and_recovery_codes_are_recorded(
    client, organisation, django_capture_on_commit_callbacks
):
    admin = StaffProfileFactory(organisation=organisation).user
    RoleGrantFactory(
        user=admin, organisation=organisation, role=Role.PROGRAMME_ADMIN, authenticator_app=False
    )
    _sign_in(client, admin.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    # allauth announces a new authenticator once its transaction has committed.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert len(_entries("account.two_factor_on")) == 1
    assert len(_entries("account.recovery_codes_created")) == 1

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_generate_recovery_codes"))
    assert len(_entries("account.recovery_codes_regenerated")) == 1

    client.logout()
    _sign_in(client, admin.email)
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    [wrong] = _entries("account.two_factor_code_wrong")
    assert wrong.organisation_id == organisation.pk
    assert "000000" not in f"{wrong.summary} {wrong.details}"

    codes = Authenticator.objects.get(user=admin, type="recovery_codes").wrap()
    client.post(reverse("mfa_authenticate"), {"code": codes.get_unused_codes()[0]})
    assert len(_entries("account.recovery_code_used")) == 1
    assert all(e.organisation_id == organisation.pk for e in AuditEntry.objects.filter(actor=admin))


def test_turning_two_factor_off_is_recorded(client, supervisee, django_capture_on_commit_callbacks):
    add_authenticator_app(supervisee)
    _sign_in(client, supervisee.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mfa_deactivate_totp"))
    assert not Authenticator.objects.filter(user=supervisee, type="totp").exists()
    [entry] = _entries("account.two_factor_off")
    assert entry.organisation_id == supervisee.profile.organisation_id


def test_an_accepted_invitation_is_recorded_under_its_organisation(
    client, organisation, programme_admin
):
    _accept(client, _invite_admin(organisation, programme_admin))
    [entry] = _entries("invitation.accepted")
    assert entry.organisation_id == organisation.pk
    client.force_login(programme_admin)
    assert "Accepted their invitation" in client.get(LOG).content.decode()
