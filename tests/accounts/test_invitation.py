import datetime
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.mfa import TWO_FACTOR_NEEDED, TWO_FACTOR_OPTIONAL
from accounts.tokens import invitation_path
from kernel.models import Band, Profession, Role
from supervision.services.people import staff_invite
from supervision.tasks import send_staff_invitation

from ..factories import totp_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Reflective-practice-42"


def _invite(organisation, programme_admin, *, last_name="Starter", band=Band.BAND_5):
    return staff_invite(
        actor=programme_admin,
        organisation=organisation,
        email=f"new.{last_name.lower()}@westfield.example",
        first_name="New",
        last_name=last_name,
        profession=Profession.NURSE,
        band=band,
        send_invitation=False,
    ).user


@pytest.fixture
def invited(organisation, programme_admin):
    return _invite(organisation, programme_admin)


def _link_from_email():
    link = re.search(r"https?://\S+/accounts/invitation/\S+/", str(mail.outbox[-1].body))
    assert link is not None
    return link.group(0)


def test_invitation_email_has_a_link_and_no_password(invited):
    send_staff_invitation(invited.profile.pk)
    message = mail.outbox[0]
    assert message.to == [invited.email]
    assert "Westfield Hospitals NHS Trust" in message.subject
    assert _link_from_email()
    assert isinstance(message, mail.EmailMultiAlternatives)
    html = message.alternatives[0][0]
    assert isinstance(html, str)
    assert "Choose your password" in html


def test_invited_person_sets_a_password_and_is_signed_in(client, invited):
    url = invitation_path(invited)
    assert client.get(url).status_code == 200
    response = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:home")
    assert client.session["_auth_user_id"] == str(invited.pk)
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)
    assert EmailAddress.objects.get(user=invited).verified


def test_invitation_link_works_only_once(client, invited):
    url = invitation_path(invited)
    client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.logout()
    response = client.get(url)
    assert "does not work" in response.content.decode()
    response = client.post(url, {"new_password1": "x" * 12, "new_password2": "x" * 12})
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)


def test_invitation_link_expires(client, invited, settings):
    settings.INVITATION_TIMEOUT_DAYS = 14
    url = invitation_path(invited)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        response = client.get(url)
    assert "does not work" in response.content.decode()


def test_deactivated_person_cannot_use_their_invitation(client, invited):
    url = invitation_path(invited)
    invited.is_active = False
    invited.save()
    assert "does not work" in client.get(url).content.decode()


def test_weak_password_is_refused_with_an_error_summary(client, invited):
    response = client.post(
        invitation_path(invited), {"new_password1": "password", "new_password2": "password"}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "nhsuk-error-summary" in content
    assert "too common" in content
    invited.refresh_from_db()
    assert not invited.has_usable_password()


@pytest.mark.parametrize("uidb64", ["MQ", "!!!", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"])
def test_garbage_links_answer_with_an_explanation_not_an_error(client, uidb64):
    response = client.get(
        reverse("accounts:invitation_accept", kwargs={"uidb64": uidb64, "token": "abc-def"})
    )
    assert response.status_code == 200
    assert "does not work" in response.content.decode()


def test_staff_sign_in_with_email_and_password(client, supervisee):
    response = client.post(
        reverse("account_login"),
        {"login": supervisee.email.upper(), "password": "a-long-test-password"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(supervisee.pk)


def test_wrong_password_is_refused(client, supervisee):
    response = client.post(
        reverse("account_login"), {"login": supervisee.email, "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_nobody_can_sign_up_on_their_own(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "walk.in@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="walk.in@example.com").exists()


def test_password_reset_sends_an_email(client, supervisee):
    client.post(reverse("account_reset_password"), {"email": supervisee.email})
    assert len(mail.outbox) == 1
    assert supervisee.email in mail.outbox[0].to


def test_the_sign_in_page_does_not_invite_people_to_sign_up_when_sign_up_is_closed(client, db):
    content = client.get(reverse("account_login")).content.decode()
    assert reverse("account_signup") not in content
    assert "programme admin adds you" in content


def _invite_admin(organisation, programme_admin):
    from supervision.services.people import role_grant

    user = _invite(organisation, programme_admin, last_name="Admin", band=Band.BAND_7)
    role_grant(
        actor=programme_admin, organisation=organisation, user=user, role=Role.PROGRAMME_ADMIN
    )
    return user


def _accept(client, user):
    return client.post(
        invitation_path(user), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )


def test_a_new_admin_sets_up_two_factor_without_typing_the_new_password_again(
    client, organisation, programme_admin
):
    """Invitation -> password -> two-factor set-up: the password just set counts as
    the recent sign-in that set-up asks for."""
    admin = _invite_admin(organisation, programme_admin)
    response = _accept(client, admin)
    response = client.get(response["Location"])  # home sends them to set up
    assert response["Location"] == reverse("mfa_activate_totp")
    response = client.get(response["Location"])
    assert response.status_code == 200  # the set-up page, not "enter your password"
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=admin, type="totp").exists()


def test_an_admin_who_has_just_signed_in_is_not_asked_for_the_password_again(
    client, programme_admin
):
    """Signing in through the sign-in page, then two-factor set-up: the password typed
    at sign-in is the recent authentication; minutes later, it is asked for again."""
    Authenticator.objects.filter(user=programme_admin).delete()  # a new admin: none yet
    with time_machine.travel(timezone.now(), tick=False) as clock:
        response = client.post(
            reverse("account_login"),
            {"login": programme_admin.email, "password": "a-long-test-password"},
        )
        assert response.status_code == 302
        response = client.get(reverse("mfa_activate_totp"))
        assert response.status_code == 200  # the set-up page, not "enter your password"
        secret = client.session[SECRET_SESSION_KEY]
        assert secret
        clock.shift(datetime.timedelta(minutes=10))
        response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))


def test_the_first_sign_in_banners_say_the_same_about_two_factor(
    client, organisation, programme_admin
):
    admin = _invite_admin(organisation, programme_admin)
    response = _accept(client, admin)
    response = client.get(response["Location"], follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert shown[0].startswith("Your password is set and you are signed in.")
    assert str(TWO_FACTOR_NEEDED) in shown[0]
    assert str(TWO_FACTOR_OPTIONAL) not in " ".join(shown)
    assert all(str(TWO_FACTOR_NEEDED) in m for m in shown)


def test_someone_who_may_choose_is_told_two_factor_is_optional(client, invited):
    response = client.get(_accept(client, invited)["Location"])
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [f"Your password is set and you are signed in. {TWO_FACTOR_OPTIONAL}"]
