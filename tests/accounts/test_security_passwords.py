"""Weak passwords are refused wherever a password is chosen, with a clear message."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.tokens import invitation_path
from kernel.models import Band, Profession
from supervision.services.people import staff_invite

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

EMAIL = "new.starter@westfield.example"
# (password, what the error summary says)
WEAK = [
    ("password123456", "Your password is too common"),
    ("new.starter@westfield", "Your password is too like your email address"),
    ("Short-pass1", "Your password must be 12 characters or more"),
    ("839201746512", "Your password must include letters or symbols, not only numbers"),
]


@pytest.fixture
def person(organisation, programme_admin):
    """An invited person who has not chosen a password yet."""
    return staff_invite(
        actor=programme_admin,
        organisation=organisation,
        email=EMAIL,
        first_name="New",
        last_name="Starter",
        profession=Profession.NURSE,
        band=Band.BAND_5,
        send_invitation=False,
    ).user


def _assert_refused(response, message, user, old_password=None):
    content = response.content.decode()
    assert response.status_code == 200
    assert "nhsuk-error-summary" in content
    assert message in content
    user.refresh_from_db()
    if old_password is None:
        assert not user.has_usable_password()
    else:
        assert user.check_password(old_password)


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_invitation_refuses_a_weak_password(client, person, password, message):
    response = client.post(
        invitation_path(person), {"new_password1": password, "new_password2": password}
    )
    _assert_refused(response, message, person)


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_setting_a_first_password_refuses_a_weak_one(client, person, password, message):
    client.force_login(person)  # e.g. signed in by single sign-on, with no password yet
    response = client.post(
        reverse("account_set_password"), {"password1": password, "password2": password}
    )
    _assert_refused(response, message, person)


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_changing_a_password_refuses_a_weak_one(client, person, password, message):
    person.set_password(PASSWORD)
    person.save()
    client.force_login(person)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": password, "password2": password},
    )
    _assert_refused(response, message, person, old_password=PASSWORD)


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_password_reset_refuses_a_weak_password(client, person, password, message):
    from allauth.account.models import EmailAddress

    person.set_password(PASSWORD)
    person.save()
    EmailAddress.objects.create(user=person, email=EMAIL, verified=True, primary=True)
    client.post(reverse("account_reset_password"), {"email": EMAIL})
    link = re.search(
        r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", str(mail.outbox[-1].body)
    )
    assert link is not None
    form_url = client.get(link.group(1))["Location"]
    response = client.post(form_url, {"password1": password, "password2": password})
    _assert_refused(response, message, person, old_password=PASSWORD)


def test_a_long_uncommon_password_is_accepted(client, person):
    password = "Reflective-practice-42"
    response = client.post(
        invitation_path(person), {"new_password1": password, "new_password2": password}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(password)
