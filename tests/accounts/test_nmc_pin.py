"""A person's NMC PIN: theirs to add, change and remove, printed on their own
revalidation forms, and shown to nobody else."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.services import user_nmc_pin_set
from audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("accounts:nmc_pin")
FORMAT_MESSAGE = "Enter your NMC PIN in the correct format, like 12A3456B"


@pytest.fixture
def superuser_client(db):
    admin_client = Client()
    admin_client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return admin_client


def test_person_adds_their_nmc_pin_in_any_case_and_spacing(client, supervisee):
    client.force_login(supervisee)
    page = client.get(URL).content.decode()
    assert "Your NMC PIN" in page
    assert 'name="nmc_pin"' in page

    response = client.post(URL, {"nmc_pin": " 12a 3456b "}, follow=True)

    supervisee.refresh_from_db()
    assert supervisee.nmc_pin == "12A3456B"
    page = response.content.decode()
    assert "Your NMC PIN is saved." in page
    assert 'value="12A3456B"' in page


@pytest.mark.parametrize(
    "typed",
    [
        "12A3456",  # too short
        "12A3456BC",  # too long
        "1A23456B",  # a letter in the wrong place
        "12A3456-B",
        "ABCDEFGH",
        "\uff11\uff12A3456B",  # full-width digits look right but are not
        "12\u00c43456B",  # a letter outside A to Z
        "12A3456B" * 40,
    ],
)
def test_a_pin_in_the_wrong_format_is_refused_with_the_format(client, supervisee, typed):
    client.force_login(supervisee)
    response = client.post(URL, {"nmc_pin": typed})
    assert response.status_code == 200
    page = response.content.decode()
    assert FORMAT_MESSAGE in page
    assert "nhsuk-error-summary" in page
    assert 'href="#id_nmc_pin"' in page
    supervisee.refresh_from_db()
    assert supervisee.nmc_pin == ""
    assert not AuditEntry.objects.filter(action__startswith="account.nmc_pin").exists()


def test_the_service_refuses_a_wrong_format_whatever_the_form(supervisee):
    with pytest.raises(ValidationError) as refused:
        user_nmc_pin_set(user=supervisee, nmc_pin="12A34B")
    assert refused.value.message_dict == {"nmc_pin": [FORMAT_MESSAGE]}
    supervisee.refresh_from_db()
    assert supervisee.nmc_pin == ""
    # The model refuses a PIN stored any other way than normalised.
    supervisee.nmc_pin = "12a3456b"
    with pytest.raises(ValidationError):
        supervisee.full_clean()


def test_a_blank_pin_removes_it(client, supervisee):
    user_nmc_pin_set(user=supervisee, nmc_pin="12A3456B")
    client.force_login(supervisee)
    response = client.post(URL, {"nmc_pin": "  "}, follow=True)
    supervisee.refresh_from_db()
    assert supervisee.nmc_pin == ""
    assert "Your NMC PIN is removed." in response.content.decode()


def test_changes_are_audited_without_the_pin(client, supervisee):
    user_nmc_pin_set(user=supervisee, nmc_pin="12A3456B")
    user_nmc_pin_set(user=supervisee, nmc_pin="12a3456b")  # the same PIN: nothing changes
    user_nmc_pin_set(user=supervisee, nmc_pin="")
    audit = list(AuditEntry.objects.filter(target_id=str(supervisee.pk)).order_by("pk"))
    assert [entry.action for entry in audit] == ["account.nmc_pin_set", "account.nmc_pin_removed"]
    for entry in audit:
        assert "3456" not in f"{entry.summary} {entry.details}"  # not even a part of it
        assert entry.organisation_id == supervisee.profile.organisation_id


def test_the_page_is_among_the_account_pages(client, supervisee):
    client.force_login(supervisee)
    for name in ("mfa_index", "accounts:data_export", "account_email"):
        assert f'href="{URL}"' in client.get(reverse(name)).content.decode(), name


def test_nobody_else_sees_the_pin(client, supervisee, programme_admin, superuser_client):
    user_nmc_pin_set(user=supervisee, nmc_pin="98Z7654Y")
    client.force_login(programme_admin)
    for url in (
        reverse("supervision:person", args=[supervisee.profile.pk]),
        reverse("supervision:person_edit", args=[supervisee.profile.pk]),
        reverse("supervision:people"),
        reverse("audit:log"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "98Z7654Y" not in response.content.decode(), url
    # Their own page shows the visitor's PIN, never anyone else's.
    assert "98Z7654Y" not in client.get(URL).content.decode()
    # Nor the Django admin's pages for the person.
    for url in (
        reverse("admin:accounts_user_change", args=[supervisee.pk]),
        reverse("admin:accounts_user_changelist"),
    ):
        response = superuser_client.get(url)
        assert response.status_code == 200, url
        assert "98Z7654Y" not in response.content.decode(), url
