"""A person downloads their own data: theirs in full, nobody else's private text."""

import datetime
import io
import json
import zipfile

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.urls import reverse

from audit.models import AuditEntry
from feedback.models import JournalEntry, WellbeingCheckIn
from peergroups.models import CheckIn, SupportRequest
from supervision.models import Session, SessionRecord
from tests.factories import AgreementFactory, StaffProfileFactory, feedback_given
from tests.scenario import NOW

pytestmark = pytest.mark.django_db

URL = reverse("accounts:data_export")
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    # The download allowance is counted in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


def _held_session(agreement, *, days_ago: int, actions: str, comment: str = "") -> Session:
    start = NOW - datetime.timedelta(days=days_ago)
    session = Session.objects.create(
        programme=agreement.programme,
        agreement=agreement,
        supervisor=agreement.supervisor,
        supervisee=agreement.supervisee,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=Session.Status.ATTENDED,
        meeting_link="https://teams.microsoft.com/l/meetup-join/x",
    )
    SessionRecord.objects.create(
        session=session,
        actual_minutes=55,
        functions=["restorative"],
        agreed_actions=actions,
        supervisee_comment=comment,
        logged_by=agreement.supervisor,
    )
    return session


@pytest.fixture
def other_person(organisation, agreement):
    """Another supervisee of the same supervisor, with private text of their own."""
    other = StaffProfileFactory(organisation=organisation).user
    other_agreement = AgreementFactory(
        programme=agreement.programme, supervisor=agreement.supervisor, supervisee=other
    )
    _held_session(other_agreement, days_ago=3, actions="Other person's agreed actions")
    JournalEntry.objects.create(
        author=other,
        template="free",
        title="Someone else's reflection",
        sections={"reflection": "Someone else's private journal text"},
    )
    return other


@pytest.fixture
def own_data(agreement, band7, frozen_now):
    """The Band 7 nurse's session with its record, journal, wellbeing and feedback."""
    session = _held_session(
        agreement, days_ago=7, actions="Book the preceptorship workshop", comment="It helped."
    )
    JournalEntry.objects.create(
        author=band7,
        template="gibbs",
        title="A hard night shift",
        sections={"description": "My own reflection on the night shift"},
        code_themes=["preserve_safety"],
    )
    band7.nmc_pin = "12A3456B"
    band7.save(update_fields=["nmc_pin"])
    WellbeingCheckIn.objects.create(
        author=band7, organisation=band7.profile.organisation, feeling=2, comment="Tired lately"
    )
    feedback_given(session, rating=4, text="Felt listened to")
    return session


def _download(client, user):
    client.force_login(user)
    response = client.post(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return response, archive


def _contents(client, user):
    _, archive = _download(client, user)
    return json.loads(archive.read("data.json")), archive.read("data.html").decode()


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.post(URL).status_code == 302
    assert not AuditEntry.objects.filter(action="personal_data.exported").exists()


def test_page_explains_the_download_and_is_linked_from_the_account_pages(client, supervisee):
    client.force_login(supervisee)
    page = client.get(URL).content.decode()
    assert "Download my data" in page
    assert "What is not included" in page
    assert f'href="{URL}"' in client.get(reverse("mfa_index")).content.decode()
    assert f'href="{URL}"' in client.get(reverse("account_email")).content.decode()


def test_download_is_a_dated_zip_of_json_and_html(client, band7, own_data):
    response, archive = _download(client, band7)
    assert response["Content-Disposition"] == 'attachment; filename="my-data-2026-11-23.zip"'
    assert sorted(archive.namelist()) == ["data.html", "data.json"]
    data = json.loads(archive.read("data.json"))
    assert data["accounts"]["account"]["email"] == band7.email
    assert set(data) >= {"accounts", "supervision", "peergroups", "feedback", "notifications"}
    html = archive.read("data.html").decode()
    assert html.startswith("<!DOCTYPE html>")
    assert "<h1>" in html
    assert "<table" in html


def test_download_holds_own_journal_sessions_and_records(client, band7, own_data):
    data, html = _contents(client, band7)
    [session] = data["supervision"]["sessions_as_supervisee"]
    assert session["record"]["agreed_actions"] == "Book the preceptorship workshop"
    assert session["record"]["your_comment"] == "It helped."
    assert session["status"] == "Attended"
    [entry] = data["feedback"]["journal_entries"]
    assert entry["sections"] == {"Description": "My own reflection on the night shift"}
    assert entry["themes_of_the_code"] == ["Preserve safety"]
    assert data["accounts"]["account"]["nmc_pin"] == "12A3456B"
    assert data["feedback"]["wellbeing_check_ins"][0]["comment"] == "Tired lately"
    answers = data["feedback"]["session_feedback"][0]["answers"]
    assert {a["text"] for a in answers} == {"", "Felt listened to"}
    for text in (
        "Book the preceptorship workshop",
        "My own reflection",
        "Felt listened to",
        "12A3456B",
    ):
        assert text in html


def test_download_holds_nothing_private_of_anyone_else(client, band7, own_data, other_person):
    data, html = _contents(client, band7)
    everything = json.dumps(data) + html
    assert "Someone else" not in everything
    assert "Other person's agreed actions" not in everything
    assert len(data["supervision"]["sessions_as_supervisee"]) == 1


def test_supervisor_gets_the_sessions_they_ran_as_facts_not_their_content(
    client, supervisor, band7, own_data, other_person
):
    data, html = _contents(client, supervisor)
    ran = data["supervision"]["sessions_as_supervisor"]
    assert len(ran) == 2
    assert {s["supervisee"] for s in ran} == {band7.get_full_name(), other_person.get_full_name()}
    assert all(s["logged"] for s in ran)
    everything = json.dumps(data) + html
    for private in (
        "Book the preceptorship",
        "Other person's agreed",
        "Felt listened",
        "It helped",
    ):
        assert private not in everything
    assert data["supervision"]["supervisor_profile"]["capacity"] == 6


def test_requester_gets_their_request_whole_and_supporter_only_dates(
    client, organisation, supervisee, peer_supporter, frozen_now
):
    request = SupportRequest.objects.create(
        organisation=organisation,
        requester=supervisee,
        contact_mode="phone",
        contact_detail="07700 900123",
        note="After the drug error on Tuesday",
        status="assigned",
        supporter=peer_supporter,
        assigned_at=NOW,
        first_contact_due=NOW + datetime.timedelta(hours=72),
    )
    CheckIn.objects.create(
        request=request,
        happened_at=NOW,
        mode="phone",
        notes="Sleeping badly since",
        logged_by=peer_supporter,
    )
    mine, _ = _contents(client, supervisee)
    [made] = mine["peergroups"]["peer_support_requests_you_made"]
    assert made["note"] == "After the drug error on Tuesday"
    assert made["contact_details"] == "07700 900123"
    assert made["check_ins"][0]["notes"] == "Sleeping badly since"

    client.logout()
    theirs, html = _contents(client, peer_supporter)
    [given] = theirs["peergroups"]["peer_support_you_gave"]
    assert given["status"] == "Supporter assigned"
    assert len(given["check_ins_you_logged"]) == 1
    everything = json.dumps(theirs) + html
    for private in ("drug error", "07700 900123", "Sleeping badly", supervisee.get_full_name()):
        assert private not in everything


def test_html_escapes_hostile_text(client, band7, own_data):
    JournalEntry.objects.create(
        author=band7,
        template="free",
        title=HOSTILE,
        sections={"reflection": f"Line one\n{HOSTILE}"},
    )
    data, html = _contents(client, band7)
    assert HOSTILE in {entry["title"] for entry in data["feedback"]["journal_entries"]}
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "Line one<br>&lt;script&gt;" in html


def test_two_factor_authentication_is_shown_as_present_never_its_secrets(client, supervisee):
    Authenticator.objects.create(
        user=supervisee, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    data, html = _contents(client, supervisee)
    assert data["accounts"]["two_factor_authentication"] == {
        "authenticator_app": True,
        "recovery_codes": False,
        "security_keys": 0,
    }
    assert "JBSWY3DPEHPK3PXP" not in json.dumps(data) + html
    assert "password" not in json.dumps(data["accounts"])


def test_each_download_is_audited_without_its_content(client, band7, own_data):
    _download(client, band7)
    entry = AuditEntry.objects.get(action="personal_data.exported")
    assert entry.actor_id == band7.pk
    assert entry.target_id == str(band7.pk)
    assert entry.organisation_id == band7.profile.organisation_id
    assert "night shift" not in json.dumps(entry.details) + entry.summary


def test_more_than_five_downloads_an_hour_are_refused(client, supervisee):
    for _ in range(5):
        _download(client, supervisee)
    response = client.post(URL)
    assert response.status_code == 302
    assert response["Location"] == URL
    assert AuditEntry.objects.filter(action="personal_data.exported").count() == 5
    assert "Try again later" in client.get(URL).content.decode()
