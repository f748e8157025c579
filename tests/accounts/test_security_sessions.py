"""Sessions end when idle and at an absolute limit; people see theirs and sign out
the others; deactivating a person ends all of theirs."""

import datetime

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from accounts.tokens import invitation_path
from kernel.models import Band, Profession
from supervision.services.people import staff_invite

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 23, 9, tzinfo=datetime.UTC)
HOME = reverse("supervision:home")
SESSIONS = reverse("usersessions_list")


@pytest.fixture(autouse=True)
def _default_limits():
    # The deployed defaults (the test settings switch the limits off).
    cache.clear()
    with override_settings(SESSION_IDLE_MINUTES=30, SESSION_MAX_HOURS=12):
        yield


def _signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _browser(user_agent: str) -> Client:
    return Client(HTTP_USER_AGENT=user_agent)


def _sign_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_session_ends_after_thirty_idle_minutes(client, supervisee):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(supervisee)
        traveller.shift(datetime.timedelta(minutes=29))
        assert client.get(HOME).status_code == 200
        traveller.shift(datetime.timedelta(minutes=30))
        response = client.get(HOME)
    assert _signed_out(response)
    assert any("had not used the service for 30 minutes" in m for m in _messages(response))
    assert "_auth_user_id" not in client.session


def test_activity_keeps_a_session_alive_past_the_idle_limit(client, supervisee):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(supervisee)
        for _ in range(4):  # two hours, never idle for 30 minutes
            traveller.shift(datetime.timedelta(minutes=29))
            assert client.get(HOME).status_code == 200


def test_a_session_ends_twelve_hours_after_sign_in_however_active(client, supervisee):
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(supervisee)
        for _ in range(24):  # every 29 minutes for 11 hours 36 minutes
            traveller.shift(datetime.timedelta(minutes=29))
            assert client.get(HOME).status_code == 200
        traveller.shift(datetime.timedelta(minutes=24))  # 12 hours after signing in
        response = client.get(HOME)
    assert _signed_out(response)
    assert any("signed in more than 12 hours ago" in m for m in _messages(response))


def test_the_idle_limit_comes_from_the_settings(client, supervisee, settings):
    settings.SESSION_IDLE_MINUTES = 5
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(supervisee)
        traveller.shift(datetime.timedelta(minutes=5))
        assert _signed_out(client.get(HOME))


def test_a_person_sees_their_sessions_and_signs_out_the_others(supervisee):
    laptop = _sign_in(_browser("Laptop browser"), supervisee)
    phone = _sign_in(_browser("Phone browser"), supervisee)
    response = laptop.get(SESSIONS)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Laptop browser" in content
    assert "Phone browser" in content
    assert content.count("This session") == 1

    response = laptop.post(SESSIONS)
    assert response.status_code == 302
    assert _signed_out(phone.get(HOME))
    assert laptop.get(HOME).status_code == 200
    assert "You are not signed in anywhere else" in laptop.get(SESSIONS).content.decode()


def test_the_sessions_page_shows_when_a_session_was_last_used(supervisee):
    with time_machine.travel(START, tick=False) as traveller:
        laptop = _sign_in(_browser("Laptop browser"), supervisee)
        traveller.shift(datetime.timedelta(minutes=10))
        laptop.get(HOME)
    session = UserSession.objects.get(user=supervisee)
    assert session.last_seen_at == START + datetime.timedelta(minutes=10)


def test_the_sessions_page_is_linked_from_the_account_pages(client, supervisee):
    client.force_login(supervisee)
    assert SESSIONS in client.get(reverse("mfa_index")).content.decode()


def test_deactivating_a_person_ends_all_their_sessions_at_once(programme_admin, supervisee):
    laptop = _sign_in(_browser("Laptop browser"), supervisee)
    phone = _sign_in(_browser("Phone browser"), supervisee)
    keys = [laptop.session.session_key, phone.session.session_key]
    admin = Client()
    admin.force_login(programme_admin)
    response = admin.post(
        reverse("supervision:person_deactivate", kwargs={"pk": supervisee.profile.pk}),
        {"reason": "Left the trust"},
    )
    assert response.status_code == 302
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=supervisee).exists()
    # Reactivating them later does not bring an old session back.
    admin.post(reverse("supervision:person_reactivate", kwargs={"pk": supervisee.profile.pk}))
    supervisee.refresh_from_db()
    assert supervisee.is_active
    assert _signed_out(laptop.get(HOME))
    assert _signed_out(phone.get(HOME))


def test_a_session_signed_in_by_an_invitation_is_listed(organisation, programme_admin):
    invited = staff_invite(
        actor=programme_admin,
        organisation=organisation,
        email="new.starter@westfield.example",
        first_name="New",
        last_name="Starter",
        profession=Profession.NURSE,
        band=Band.BAND_5,
        send_invitation=False,
    ).user
    browser = _browser("Work computer")
    password = "Reflective-practice-42"
    browser.post(invitation_path(invited), {"new_password1": password, "new_password2": password})
    assert UserSession.objects.filter(user=invited, user_agent="Work computer").exists()
    assert "Work computer" in browser.get(SESSIONS).content.decode()
