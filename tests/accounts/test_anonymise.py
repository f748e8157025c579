"""Leavers: deactivated, then after the retention period anonymised; the facts stay."""

import datetime
import json

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session as SignInSession
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.anonymise import ANONYMISED_NAME, user_anonymise
from accounts.tasks import anonymise_leavers
from audit.models import AuditEntry
from feedback.models import (
    FeedbackAnswer,
    ImprovementIdea,
    JournalEntry,
    WellbeingCheckIn,
)
from kernel.models import Modality
from notifications.models import Notification, NotificationPreference
from peergroups.models import Attendance, CheckIn, Group, GroupSession, SupportRequest
from supervision.models import Session, SessionRecord
from supervision.services.people import staff_deactivate, staff_reactivate
from supervision_site.celery import app
from tests.factories import ProgrammeFactory, add_authenticator_app, feedback_given

pytestmark = pytest.mark.django_db

# Deactivations happen at T0 and later; the retention period is 30 days.
T0 = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _thirty_days(settings):
    settings.LEAVER_RETENTION_DAYS = 30


def _session(agreement, start, status=Session.Status.ATTENDED) -> Session:
    return Session.objects.create(
        programme=agreement.programme,
        agreement=agreement,
        supervisor=agreement.supervisor,
        supervisee=agreement.supervisee,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=status,
        meeting_link="https://teams.microsoft.com/l/meetup-join/x",
    )


def _group_meeting(organisation, facilitator, start) -> GroupSession:
    programme = ProgrammeFactory(
        organisation=organisation, modality=Modality.GROUP, allowance_sessions=None
    )
    group = Group.objects.create(
        programme=programme,
        organisation=organisation,
        name="Reflective practice",
        group_type="reflective_practice",
        weekday=1,
        start_time=datetime.time(14),
        end_time=datetime.time(15, 30),
        starts_on=start.date(),
        meeting_link="https://teams.microsoft.com/l/meetup-join/group",
    )
    group.facilitators.add(facilitator)
    return GroupSession.objects.create(
        group=group,
        occurrence=start.date(),
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=90),
    )


@pytest.fixture
def leaver_data(agreement, band7, organisation, facilitator, peer_supporter):
    """Everything a Band 7 nurse leaves behind: facts and private text."""
    start = T0 - 20 * DAY
    session = _session(agreement, start)
    record = SessionRecord.objects.create(
        session=session,
        actual_minutes=50,
        functions=["restorative", "formative"],
        agreed_actions="Speak to the ward manager about breaks",
        supervisee_comment="I cried afterwards",
        logged_by=agreement.supervisor,
    )
    _session(agreement, start + 7 * DAY, status=Session.Status.DID_NOT_ATTEND)
    JournalEntry.objects.create(
        author=band7, template="free", title="Private", sections={"reflection": "Private text"}
    )
    WellbeingCheckIn.objects.create(
        author=band7, organisation=organisation, feeling=2, comment="Thinking of leaving"
    )
    feedback_given(session, rating=5, text="My supervisor is kind")
    request = SupportRequest.objects.create(
        organisation=organisation,
        requester=band7,
        contact_mode="phone",
        contact_detail="07700 900456",
        note="After the cardiac arrest",
        status="assigned",
        supporter=peer_supporter,
        assigned_at=start,
        first_contact_due=start + 3 * DAY,
    )
    CheckIn.objects.create(
        request=request,
        happened_at=start,
        mode="phone",
        notes="Not sleeping",
        logged_by=peer_supporter,
    )
    meeting = _group_meeting(organisation, facilitator, start)
    Attendance.objects.create(session=meeting, user=band7, status="present")
    ImprovementIdea.objects.create(
        author=band7,
        organisation=organisation,
        title="Protected breaks",
        description="A break rota for nights",
    )
    Notification.objects.create(
        recipient=band7,
        kind="wellbeing_prompt",
        target_type="accounts.user",
        target_id=band7.pk,
        due_at=T0 + 60 * DAY,
        next_attempt_at=T0 + 60 * DAY,
    )
    Notification.objects.create(
        recipient=band7,
        kind="session_reminder",
        target_type="supervision.session",
        target_id=session.pk,
        due_at=start - DAY,
        next_attempt_at=start - DAY,
        state=Notification.State.SENT,
        sent_at=start - DAY,
        subject="Reminder: supervision with your supervisor tomorrow",
    )
    NotificationPreference.objects.create(user=band7, kind="wellbeing_prompt", email=False)
    Authenticator.objects.create(user=band7, type=Authenticator.Type.TOTP, data={"secret": "S"})
    return {"session": session, "record": record, "request": request, "meeting": meeting}


def _deactivate(person, admin, when):
    with time_machine.travel(when, tick=False):
        staff_deactivate(actor=admin, profile=person.profile, reason="Left the trust")
    person.refresh_from_db()


def test_anonymising_removes_identity_and_private_text(band7, programme_admin, leaver_data):
    old_email = band7.email
    band7.nmc_pin = "12A3456B"
    band7.save(update_fields=["nmc_pin"])
    _deactivate(band7, programme_admin, T0)
    user_anonymise(actor=None, user=band7)

    band7.refresh_from_db()
    assert band7.get_full_name() == ANONYMISED_NAME
    assert band7.email == f"anonymised-{band7.pk}@invalid"
    assert band7.nmc_pin == ""
    assert not band7.has_usable_password()
    assert band7.anonymised_at is not None
    assert not EmailAddress.objects.filter(user=band7).exists()
    assert not EmailAddress.objects.filter(email__iexact=old_email).exists()
    assert not Authenticator.objects.filter(user=band7).exists()
    assert not JournalEntry.objects.filter(author=band7).exists()
    assert WellbeingCheckIn.objects.get(author=band7).comment == ""
    assert FeedbackAnswer.objects.get(response__author=band7, rating__isnull=True).text == ""
    support = SupportRequest.objects.get(pk=leaver_data["request"].pk)
    assert (support.note, support.contact_detail) == ("", "")
    assert CheckIn.objects.get(request=support).notes == ""
    record = SessionRecord.objects.get(pk=leaver_data["record"].pk)
    assert (record.agreed_actions, record.supervisee_comment) == ("", "")
    assert not NotificationPreference.objects.filter(user=band7).exists()
    assert set(Notification.objects.filter(recipient=band7).values_list("state", "subject")) == {
        (Notification.State.CANCELLED, ""),
        (Notification.State.SENT, ""),
    }


def test_anonymising_keeps_the_facts_reports_count(band7, programme_admin, leaver_data):
    _deactivate(band7, programme_admin, T0)
    user_anonymise(actor=None, user=band7)

    sessions = Session.objects.filter(supervisee=band7)
    assert sorted(sessions.values_list("status", flat=True)) == ["attended", "did_not_attend"]
    record = SessionRecord.objects.get(pk=leaver_data["record"].pk)
    assert record.actual_minutes == 50
    assert record.functions == ["restorative", "formative"]
    assert Attendance.objects.get(user=band7).status == "present"
    assert WellbeingCheckIn.objects.get(author=band7).feeling == 2
    assert FeedbackAnswer.objects.get(response__author=band7, rating__isnull=False).rating == 5
    support = SupportRequest.objects.get(pk=leaver_data["request"].pk)
    assert (support.status, support.contact_mode) == ("assigned", "phone")
    assert ImprovementIdea.objects.get(author=band7).description == "A break rota for nights"
    assert band7.profile.band == "7"


def test_another_person_is_untouched(band7, other_supervisee, programme_admin, leaver_data):
    name, email = other_supervisee.get_full_name(), other_supervisee.email
    JournalEntry.objects.create(
        author=other_supervisee, template="free", title="Mine", sections={"reflection": "Kept"}
    )
    WellbeingCheckIn.objects.create(
        author=other_supervisee,
        organisation=other_supervisee.profile.organisation,
        feeling=4,
        comment="Good month",
    )
    _deactivate(band7, programme_admin, T0)
    user_anonymise(actor=None, user=band7)

    other_supervisee.refresh_from_db()
    assert (other_supervisee.get_full_name(), other_supervisee.email) == (name, email)
    assert other_supervisee.has_usable_password()
    assert JournalEntry.objects.get(author=other_supervisee).sections == {"reflection": "Kept"}
    assert WellbeingCheckIn.objects.get(author=other_supervisee).comment == "Good month"
    # The supervisor keeps their own sign-in and profile.
    assert EmailAddress.objects.filter(user=leaver_data["session"].supervisor).exists()


def test_only_deactivated_people_can_be_anonymised(band7, leaver_data):
    with pytest.raises(ValidationError):
        user_anonymise(actor=None, user=band7)
    band7.refresh_from_db()
    assert band7.anonymised_at is None
    assert JournalEntry.objects.filter(author=band7).exists()


def test_anonymising_twice_does_nothing_more(band7, programme_admin, leaver_data):
    _deactivate(band7, programme_admin, T0)
    first = user_anonymise(actor=None, user=band7)
    again = user_anonymise(actor=None, user=band7)
    assert again.anonymised_at == first.anonymised_at
    assert AuditEntry.objects.filter(action="staff.anonymised").count() == 1


def test_audit_entry_names_the_leaver_by_id_only(band7, programme_admin, leaver_data):
    first, last, email = band7.first_name, band7.last_name, band7.email
    _deactivate(band7, programme_admin, T0)
    user_anonymise(actor=None, user=band7)

    entry = AuditEntry.objects.get(action="staff.anonymised")
    assert entry.target_id == str(band7.pk)
    assert entry.actor_id is None
    assert entry.organisation_id == band7.profile.organisation_id
    written = entry.summary + json.dumps(entry.details)
    for identifying in (first, last, email, "cardiac", "Private text"):
        assert identifying not in written
    assert entry.details["erased"]["feedback.journal_entries"] == 1
    assert entry.details["erased"]["feedback.wellbeing_comments"] == 1


def test_sign_in_sessions_are_ended_and_their_listing_deleted(
    client, band7, programme_admin, leaver_data
):
    # One session allauth lists (with the address and browser), one it never listed.
    client.force_login(band7)
    UserSession.objects.create(
        user=band7, ip="192.0.2.7", user_agent="Firefox", session_key=client.session.session_key
    )
    other = Client()
    other.force_login(band7)
    keys = {client.session.session_key, other.session.session_key}
    assert SignInSession.objects.filter(session_key__in=keys).count() == 2

    _deactivate(band7, programme_admin, T0)
    user_anonymise(actor=None, user=band7)
    assert not SignInSession.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=band7).exists()


def test_nightly_task_picks_only_people_past_the_retention_period(
    band7, other_supervisee, supervisee, programme_admin, leaver_data
):
    _deactivate(band7, programme_admin, T0)
    _deactivate(other_supervisee, programme_admin, T0 + 10 * DAY)

    with time_machine.travel(T0 + 29 * DAY, tick=False):
        assert anonymise_leavers() == 0
    with time_machine.travel(T0 + 31 * DAY, tick=False):
        assert anonymise_leavers() == 1
    band7.refresh_from_db()
    other_supervisee.refresh_from_db()
    supervisee.refresh_from_db()
    assert band7.anonymised_at == T0 + 31 * DAY
    assert other_supervisee.anonymised_at is None
    assert supervisee.anonymised_at is None  # still here

    with time_machine.travel(T0 + 41 * DAY, tick=False):
        assert anonymise_leavers() == 1
        assert anonymise_leavers() == 0  # a second run finds nobody
    other_supervisee.refresh_from_db()
    assert other_supervisee.anonymised_at == T0 + 41 * DAY
    assert supervisee.get_full_name() != ANONYMISED_NAME
    assert AuditEntry.objects.filter(action="staff.anonymised").count() == 2


def test_reactivation_stops_the_clock_and_a_new_deactivation_restarts_it(
    band7, programme_admin, leaver_data
):
    _deactivate(band7, programme_admin, T0)
    with time_machine.travel(T0 + 5 * DAY, tick=False):
        staff_reactivate(actor=programme_admin, profile=band7.profile)
    with time_machine.travel(T0 + 40 * DAY, tick=False):
        assert anonymise_leavers() == 0
    _deactivate(band7, programme_admin, T0 + 50 * DAY)
    with time_machine.travel(T0 + 60 * DAY, tick=False):
        assert anonymise_leavers() == 0
    with time_machine.travel(T0 + 81 * DAY, tick=False):
        assert anonymise_leavers() == 1
    band7.refresh_from_db()
    assert band7.anonymised_at == T0 + 81 * DAY


def test_nightly_task_is_on_the_beat_schedule():
    tasks = {entry["task"]: entry for entry in app.conf.beat_schedule.values()}
    assert "accounts.tasks.anonymise_leavers" in tasks
    assert "accounts.tasks.anonymise_leavers" in app.tasks


def test_person_page_shows_when_a_leaver_will_be_anonymised(
    client, band7, programme_admin, leaver_data
):
    _deactivate(band7, programme_admin, T0)
    add_authenticator_app(programme_admin)  # programme admins must have two-factor
    client.force_login(programme_admin)
    page = client.get(reverse("supervision:person", kwargs={"pk": band7.profile.pk}))
    assert "will be removed on 4 February 2026" in page.content.decode()


def test_person_page_of_an_anonymised_leaver_says_so_and_offers_no_reactivation(
    client, band7, programme_admin, leaver_data
):
    _deactivate(band7, programme_admin, T0)
    with time_machine.travel(T0 + 31 * DAY, tick=False):
        anonymise_leavers()
    add_authenticator_app(programme_admin)  # programme admins must have two-factor
    client.force_login(programme_admin)
    content = client.get(
        reverse("supervision:person", kwargs={"pk": band7.profile.pk})
    ).content.decode()
    assert "Anonymised on 5 February 2026" in content
    assert ANONYMISED_NAME in content
    assert reverse("supervision:person_reactivate", kwargs={"pk": band7.profile.pk}) not in content


def test_an_anonymised_leaver_cannot_be_reactivated_even_by_a_crafted_post(
    client, band7, programme_admin, leaver_data
):
    _deactivate(band7, programme_admin, T0)
    with time_machine.travel(T0 + 31 * DAY, tick=False):
        anonymise_leavers()
    add_authenticator_app(programme_admin)
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:person_reactivate", kwargs={"pk": band7.profile.pk}), follow=True
    )
    assert response.status_code == 200
    assert "cannot be reactivated" in response.content.decode()
    band7.refresh_from_db()
    assert not band7.is_active
    assert not AuditEntry.objects.filter(action="staff.reactivated").exists()
    with pytest.raises(ValidationError):
        staff_reactivate(actor=programme_admin, profile=band7.profile)


def test_active_persons_page_says_nothing_about_anonymising(client, band7, programme_admin):
    add_authenticator_app(programme_admin)  # programme admins must have two-factor
    client.force_login(programme_admin)
    content = client.get(
        reverse("supervision:person", kwargs={"pk": band7.profile.pk})
    ).content.decode()
    assert "anonymised" not in content.lower()
    assert "will be removed" not in content
