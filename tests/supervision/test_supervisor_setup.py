"""Supervisors set up their profile, training and availability.

Times are typed as London clock times; these tests pin down that they land on
the right UTC instants on both sides of a clock change (25 October 2026 and
28 March 2027 in Europe/London).
"""

import datetime

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEntry
from kernel.models import Modality
from supervision.availability import SupervisorEntries, free_slots
from supervision.models import (
    AvailabilityException,
    AvailabilitySlot,
    Mode,
    SupervisorProfile,
    TrainingRecord,
    WeeklyAvailability,
)
from tests.factories import (
    ProgrammeFactory,
    RoleGrantFactory,
    StaffProfileFactory,
    SupervisorProfileFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TEAMS = "https://teams.microsoft.com/l/meetup-join/xyz"
TO = " to "  # between the start and end times on the page (kernel.dates.format_times)


def url(name, **kwargs):
    return reverse(f"supervision:{name}", kwargs=kwargs or None)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def profile_form(programme, **overrides):
    data = {
        "capacity": "4",
        "accepting_new": "on",
        "bio": "Twenty years in critical care.",
        "programmes": [programme.pk],
        "mode": Mode.ONLINE,
        "meeting_link": TEAMS,
        "location": "",
    }
    data.update(overrides)
    return data


def slot_form(**overrides):
    data = {
        "date": "2026-12-01",
        "start_time": "10:00",
        "end_time": "11:00",
        "mode": Mode.ONLINE,
        "meeting_link": TEAMS,
        "location": "",
    }
    data.update(overrides)
    return data


def weekly_form(**overrides):
    data = {
        "weekday": "1",
        "start_time": "14:00",
        "end_time": "15:00",
        "valid_from": "2026-10-12",
        "valid_until": "",
        "mode": Mode.ONLINE,
        "meeting_link": TEAMS,
        "location": "",
    }
    data.update(overrides)
    return data


def away_form(**overrides):
    data = {
        "start_date": "2026-12-01",
        "start_time": "00:00",
        "end_date": "2026-12-02",
        "end_time": "00:00",
        "reason": "Annual leave",
    }
    data.update(overrides)
    return data


def starts(slots):
    return [slot.starts_at for slot in slots]


@pytest.fixture
def other_supervisor(organisation, programme):
    user = StaffProfileFactory(organisation=organisation).user
    RoleGrantFactory(user=user, organisation=organisation, role="supervisor")
    SupervisorProfileFactory(user=user, programmes=[programme])
    return user


# --- Profile ------------------------------------------------------------------


def test_supervisor_edits_profile_which_is_saved_and_audited(
    client, supervisor, supervisor_profile, programme, frozen_now
):
    client.force_login(supervisor)
    response = client.post(
        url("supervisor_profile"),
        profile_form(
            programme,
            capacity="3",
            accepting_new="",
            mode=Mode.IN_PERSON,
            meeting_link="",
            location="Room 4, Education Centre",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == url("supervisor_profile")
    supervisor_profile.refresh_from_db()
    assert supervisor_profile.capacity == 3
    assert supervisor_profile.accepting_new is False
    assert supervisor_profile.mode == Mode.IN_PERSON
    assert supervisor_profile.location == "Room 4, Education Centre"
    entry = AuditEntry.objects.get(action="supervisor.profile_updated")
    assert entry.actor == supervisor
    assert entry.organisation_id == programme.organisation_id
    assert {"capacity", "accepting_new", "mode", "location"} <= set(entry.details["fields"])


def test_first_visit_creates_a_profile_with_defaults(client, supervisor, frozen_now):
    client.force_login(supervisor)
    response = client.get(url("supervisor_profile"))
    assert response.status_code == 200
    profile = SupervisorProfile.objects.get(user=supervisor)
    assert profile.capacity == 6
    assert AuditEntry.objects.filter(action="supervisor.profile_created").count() == 1


@pytest.mark.parametrize(
    "link",
    [
        "http://teams.microsoft.com/l/meetup-join/xyz",
        "javascript:alert(1)",
        "ftp://files.example/meeting",
        "teams.microsoft.com/l/meetup-join/xyz",
    ],
)
def test_a_link_that_is_not_https_is_refused_with_an_error_summary_and_kept(
    client, supervisor, supervisor_profile, programme, frozen_now, link
):
    client.force_login(supervisor)
    response = client.post(url("supervisor_profile"), profile_form(programme, meeting_link=link))

    assert response.status_code == 200
    page = response.content.decode()
    assert "nhsuk-error-summary" in page
    assert '<a href="#id_meeting_link">Enter a meeting link that starts with https://</a>' in page
    assert response.context["form"]["meeting_link"].value() == link
    supervisor_profile.refresh_from_db()
    assert supervisor_profile.meeting_link == "https://teams.microsoft.com/l/meetup-join/abc"
    assert not AuditEntry.objects.filter(action="supervisor.profile_updated").exists()


def test_an_http_link_shows_what_was_typed_in_the_field(
    client, supervisor, supervisor_profile, programme, frozen_now
):
    client.force_login(supervisor)
    response = client.post(
        url("supervisor_profile"), profile_form(programme, meeting_link="http://zoom.us/j/1")
    )
    assert 'value="http://zoom.us/j/1"' in response.content.decode()


def test_online_needs_a_link_and_in_person_needs_a_location(
    client, supervisor, supervisor_profile, programme, frozen_now
):
    client.force_login(supervisor)
    online = client.post(url("supervisor_profile"), profile_form(programme, meeting_link=""))
    in_person = client.post(
        url("supervisor_profile"), profile_form(programme, mode=Mode.IN_PERSON, location="")
    )
    assert "Enter a meeting link for online sessions" in online.content.decode()
    assert "Enter where in-person sessions take place" in in_person.content.decode()


def test_only_own_organisations_open_one_to_one_programmes_can_be_chosen(
    client, supervisor, supervisor_profile, programme, organisation, other_organisation
):
    elsewhere = ProgrammeFactory(organisation=other_organisation)
    groups = ProgrammeFactory(organisation=organisation, modality=Modality.GROUP)
    client.force_login(supervisor)

    page = client.get(url("supervisor_profile"))
    offered = set(page.context["form"].fields["programmes"].queryset)
    assert programme in offered
    assert elsewhere not in offered
    assert groups not in offered

    response = client.post(
        url("supervisor_profile"), profile_form(programme, programmes=[elsewhere.pk])
    )
    assert response.status_code == 200
    assert list(supervisor_profile.programmes.all()) == [programme]


def test_a_programme_closed_for_now_is_kept_when_the_profile_is_saved(
    client, supervisor, supervisor_profile, programme, organisation
):
    closed = ProgrammeFactory(organisation=organisation, is_active=False)
    supervisor_profile.programmes.add(closed)
    client.force_login(supervisor)
    response = client.post(url("supervisor_profile"), profile_form(programme, programmes=[]))
    assert response.status_code == 302
    assert list(supervisor_profile.programmes.all()) == [closed]


# --- Training -------------------------------------------------------------------


def test_supervisor_adds_training_shown_on_their_profile(
    client, supervisor, supervisor_profile, frozen_now
):
    client.force_login(supervisor)
    response = client.post(
        url("supervisor_training_add"),
        {
            "kind": TrainingRecord.Kind.PNA,
            "title": "HEE PNA programme",
            "completed_on": "2025-09-01",
            "renewal_due": "2028-09-01",
        },
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.get(supervisor=supervisor_profile)
    assert record.renewal_due == datetime.date(2028, 9, 1)
    assert AuditEntry.objects.filter(action="training.added", actor=supervisor).exists()
    page = client.get(url("supervisor_profile")).content.decode()
    assert "Professional Nurse Advocate (PNA)" in page
    assert url("supervisor_training_delete", pk=record.pk) in page


def test_a_refresher_due_before_the_training_was_completed_is_refused(
    client, supervisor, supervisor_profile, frozen_now
):
    client.force_login(supervisor)
    response = client.post(
        url("supervisor_training_add"),
        {"kind": "pna", "title": "", "completed_on": "2025-09-01", "renewal_due": "2025-01-01"},
    )
    assert response.status_code == 200
    assert "The refresher must be due after" in response.content.decode()
    assert not TrainingRecord.objects.exists()


def test_supervisor_deletes_own_training(client, supervisor, supervisor_profile, frozen_now):
    record = TrainingRecord.objects.create(
        supervisor=supervisor_profile, kind="pna", completed_on=datetime.date(2025, 1, 1)
    )
    client.force_login(supervisor)
    response = client.post(url("supervisor_training_delete", pk=record.pk))
    assert response.status_code == 302
    assert not TrainingRecord.objects.exists()
    assert AuditEntry.objects.filter(action="training.removed").exists()


# --- Availability in London time ---------------------------------------------------


def test_weekly_window_keeps_its_london_time_either_side_of_the_clock_change(
    client, supervisor, programme
):
    SupervisorProfileFactory(user=supervisor, programmes=[programme])
    client.force_login(supervisor)
    with time_machine.travel(utc(2026, 10, 12, 9), tick=False):
        response = client.post(url("availability_weekly_add"), weekly_form())
        assert response.status_code == 302
        page = client.get(url("availability")).content.decode()

    slots = free_slots(
        supervisor=supervisor,
        programme=programme,
        start=utc(2026, 10, 19),
        end=utc(2026, 11, 1),
        now=utc(2026, 10, 12, 9),
    )
    # Tuesday 14:00 in London is 13:00 UTC in BST and 14:00 UTC once the clocks go back.
    assert starts(slots) == [utc(2026, 10, 20, 13), utc(2026, 10, 27, 14)]
    assert f"Tuesday 20 October 2026, 14:00{TO}15:00 BST" in page
    assert f"Tuesday 27 October 2026, 14:00{TO}15:00 GMT" in page


@pytest.mark.parametrize(
    ("day", "expected_start"),
    [
        ("2027-04-06", utc(2027, 4, 6, 9)),  # BST: an hour behind London
        ("2026-12-01", utc(2026, 12, 1, 10)),  # GMT: the same
    ],
)
def test_single_slot_is_stored_in_utc(client, supervisor, frozen_now, day, expected_start):
    client.force_login(supervisor)
    response = client.post(url("availability_slot_add"), slot_form(date=day))
    assert response.status_code == 302
    slot = AvailabilitySlot.objects.get(supervisor=supervisor)
    assert slot.starts_at == expected_start
    assert slot.ends_at == expected_start + datetime.timedelta(hours=1)
    entry = AuditEntry.objects.get(action="availability.added")
    assert entry.details["kind"] == "slot"
    # Shown back as the London time that was typed.
    assert f"10:00{TO}11:00" in client.get(url("availability")).content.decode()


def test_a_local_time_the_clocks_skip_is_refused_cleanly(client, supervisor, frozen_now):
    client.force_login(supervisor)
    response = client.post(
        url("availability_slot_add"),
        slot_form(date="2027-03-28", start_time="01:30", end_time="02:30"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "nhsuk-error-summary" in page
    assert "01:30 does not exist on 28 March 2027 in Europe/London" in page
    assert not AvailabilitySlot.objects.exists()


def test_time_away_removes_the_free_slots_inside_it(
    client, supervisor, supervisor_profile, programme, frozen_now
):
    def tuesdays():
        slots = free_slots(
            supervisor=supervisor,
            programme=programme,
            start=utc(2026, 12, 1),
            end=utc(2026, 12, 9),
        )
        return starts(slots)

    # The fixture's window: Tuesdays 14:00-16:00 London (= UTC in winter).
    assert tuesdays() == [utc(2026, 12, 1, 14), utc(2026, 12, 1, 15), *_eighth()]
    client.force_login(supervisor)
    response = client.post(url("availability_exception_add"), away_form())
    assert response.status_code == 302
    assert tuesdays() == _eighth()


def _eighth():
    return [utc(2026, 12, 8, 14), utc(2026, 12, 8, 15)]


@pytest.mark.parametrize(
    ("name", "form", "existing"),
    [
        (
            "availability_slot_add",
            slot_form(start_time="10:30", end_time="11:30"),
            lambda user: AvailabilitySlot.objects.create(
                supervisor=user,
                starts_at=utc(2026, 12, 1, 10),
                ends_at=utc(2026, 12, 1, 11),
                meeting_link=TEAMS,
            ),
        ),
        (
            "availability_weekly_add",
            weekly_form(start_time="15:30", end_time="16:30", valid_from="2026-12-01"),
            None,  # the fixture's Tuesdays 14:00-16:00
        ),
        (
            "availability_exception_add",
            away_form(start_date="2026-12-01", start_time="12:00"),
            lambda user: AvailabilityException.objects.create(
                supervisor=user, starts_at=utc(2026, 11, 30), ends_at=utc(2026, 12, 1, 13)
            ),
        ),
    ],
)
def test_an_entry_overlapping_one_of_the_same_kind_is_refused(
    client, supervisor, supervisor_profile, frozen_now, name, form, existing
):
    if existing:
        existing(supervisor)
    counts = _counts()
    client.force_login(supervisor)
    response = client.post(url(name), form)
    assert response.status_code == 200
    assert "This overlaps" in response.content.decode()
    assert _counts() == counts


def _counts():
    return [
        model.objects.count()
        for model in (AvailabilitySlot, WeeklyAvailability, AvailabilityException)
    ]


def test_a_weekly_window_that_ended_before_does_not_clash(
    client, supervisor, supervisor_profile, frozen_now
):
    WeeklyAvailability.objects.filter(supervisor=supervisor).update(
        valid_until=datetime.date(2026, 11, 30)
    )
    client.force_login(supervisor)
    response = client.post(url("availability_weekly_add"), weekly_form(valid_from="2026-12-01"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (slot_form(end_time="09:00"), "The end time must be after the start time"),
        (slot_form(date="2026-11-20"), "The date of the slot must be today or in the future"),
        (slot_form(date="2026-11-23", start_time="08:00"), "The start time must be in the future"),
        (slot_form(date="2028-12-01"), "The date of the slot must be within the next 2 years"),
        (slot_form(date="2026-02-30"), "The date of the slot must be a real date"),
        (slot_form(start_time="25:00"), "The start time must be a time on the 24-hour clock"),
        (slot_form(meeting_link="javascript:alert(1)"), "starts with https://"),
        (slot_form(mode="carrier-pigeon"), "Select how sessions take place from the options shown"),
    ],
)
def test_bad_slot_input_is_refused_with_a_message(client, supervisor, frozen_now, form, message):
    client.force_login(supervisor)
    response = client.post(url("availability_slot_add"), form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AvailabilitySlot.objects.exists()


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("availability_weekly_add", weekly_form(weekday="9", valid_from="9999-12-31")),
        ("availability_weekly_add", weekly_form(end_time="00:00")),
        ("availability_weekly_add", weekly_form(valid_until="2026-01-01")),
        ("availability_exception_add", away_form(end_date="0001-01-01")),
        ("availability_exception_add", away_form(start_date="0001-01-01")),
        ("availability_exception_add", away_form(end_date="2026-11-01")),
        ("availability_exception_add", away_form(start_time="noon")),
        ("supervisor_training_add", {"kind": "pna", "completed_on": "2030-01-01"}),
        ("supervisor_profile", {"capacity": "-1", "mode": "online", "programmes": ["x"]}),
    ],
)
def test_nonsense_is_refused_not_a_server_error(
    client, supervisor, supervisor_profile, frozen_now, name, form
):
    client.force_login(supervisor)
    response = client.post(url(name), form)
    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()


# --- Deleting ----------------------------------------------------------------------


def _entries(user):
    return {
        "slot": AvailabilitySlot.objects.create(
            supervisor=user,
            starts_at=utc(2026, 12, 2, 10),
            ends_at=utc(2026, 12, 2, 11),
            meeting_link=TEAMS,
        ),
        "weekly": WeeklyAvailability.objects.create(
            supervisor=user,
            weekday=3,
            start_time=datetime.time(9),
            end_time=datetime.time(10),
            valid_from=datetime.date(2026, 1, 1),
            meeting_link=TEAMS,
        ),
        "away": AvailabilityException.objects.create(
            supervisor=user, starts_at=utc(2026, 12, 24), ends_at=utc(2026, 12, 27)
        ),
    }


@pytest.mark.parametrize("kind", ["slot", "weekly", "away"])
def test_supervisor_deletes_own_entry_and_it_is_audited(
    client, supervisor, supervisor_profile, frozen_now, kind
):
    entry = _entries(supervisor)[kind]
    client.force_login(supervisor)
    response = client.post(url("availability_delete", kind=kind, pk=entry.pk))
    assert response.status_code == 302
    assert not type(entry).objects.filter(pk=entry.pk).exists()
    audit = AuditEntry.objects.get(action="availability.removed")
    assert audit.details["kind"] == kind


@pytest.mark.parametrize("kind", ["slot", "weekly", "away"])
def test_deleting_someone_elses_entry_is_404(
    client, supervisor, supervisor_profile, other_supervisor, frozen_now, kind
):
    entry = _entries(other_supervisor)[kind]
    client.force_login(supervisor)
    response = client.post(url("availability_delete", kind=kind, pk=entry.pk))
    assert response.status_code == 404
    assert type(entry).objects.filter(pk=entry.pk).exists()


def test_deleting_someone_elses_training_is_404(
    client, supervisor, supervisor_profile, other_supervisor
):
    record = TrainingRecord.objects.create(
        supervisor=other_supervisor.supervisor_profile,
        kind="pna",
        completed_on=datetime.date(2025, 1, 1),
    )
    client.force_login(supervisor)
    assert client.post(url("supervisor_training_delete", pk=record.pk)).status_code == 404
    assert TrainingRecord.objects.filter(pk=record.pk).exists()


def test_an_unknown_kind_is_404(client, supervisor, supervisor_profile):
    client.force_login(supervisor)
    assert client.post(url("availability_delete", kind="holiday", pk=1)).status_code == 404


def test_deleting_needs_a_post(client, supervisor, supervisor_profile):
    weekly = WeeklyAvailability.objects.get(supervisor=supervisor)
    client.force_login(supervisor)
    assert client.get(url("availability_delete", kind="weekly", pk=weekly.pk)).status_code == 405
    assert WeeklyAvailability.objects.filter(pk=weekly.pk).exists()


# --- Who may reach these pages ------------------------------------------------------

NOT_SUPERVISORS = (
    "supervisee",
    "facilitator",
    "peer_supporter",
    "programme_admin",
    "wellbeing_lead",
    "outsider",
)


@pytest.fixture
def own_entries(supervisor, supervisor_profile):
    """The supervisor's own training record and weekly window, for the URLs with a pk."""
    record = TrainingRecord.objects.create(
        supervisor=supervisor_profile, kind="pna", completed_on=datetime.date(2025, 1, 1)
    )
    return {"training": record, "weekly": WeeklyAvailability.objects.get(supervisor=supervisor)}


def _matrix_urls(entries):
    """(method, url, what the supervisor gets) for each of the eight URLs."""
    return [
        ("get", url("supervisor_profile"), 200),
        ("get", url("supervisor_training_add"), 200),
        ("post", url("supervisor_training_delete", pk=entries["training"].pk), 302),
        ("get", url("availability"), 200),
        ("get", url("availability_slot_add"), 200),
        ("get", url("availability_weekly_add"), 200),
        ("get", url("availability_exception_add"), 200),
        ("post", url("availability_delete", kind="weekly", pk=entries["weekly"].pk), 302),
    ]


def test_each_role_gets_the_expected_status(client, role_users, own_entries, frozen_now):
    wrong = []
    # The supervisor goes last: their POSTs delete the entries the others aim at.
    for role in ("anonymous", *NOT_SUPERVISORS, "supervisor"):
        client.logout()
        if role_users[role] is not None:
            client.force_login(role_users[role])
        for method, address, supervisor_status in _matrix_urls(own_entries):
            response = getattr(client, method)(address)
            if role == "anonymous":
                expected = 302
                ok = response.status_code == 302 and response["Location"].startswith(
                    reverse("account_login")
                )
            else:
                expected = supervisor_status if role == "supervisor" else 403
                ok = response.status_code == expected
            if not ok:
                wrong.append(f"{role} {method.upper()} {address}: {response.status_code}")
    assert wrong == []
    assert not TrainingRecord.objects.exists()
    assert not WeeklyAvailability.objects.exists()


# --- The availability page's queries -------------------------------------------------


def _many_entries(user, n):
    for i in range(n):
        day = utc(2026, 12, 1) + datetime.timedelta(days=i)
        AvailabilitySlot.objects.create(
            supervisor=user,
            starts_at=day.replace(hour=8),
            ends_at=day.replace(hour=9),
            meeting_link=TEAMS,
        )
        AvailabilityException.objects.create(
            supervisor=user,
            starts_at=day.replace(year=2027, hour=12),
            ends_at=day.replace(year=2027, hour=13),
        )
        WeeklyAvailability.objects.create(
            supervisor=user,
            weekday=i % 7,
            start_time=datetime.time(7 + i // 7),
            end_time=datetime.time(7 + i // 7, 30),
            valid_from=datetime.date(2026, 1, 1),
            meeting_link=TEAMS,
        )


@pytest.mark.parametrize("n", [1, 20])
def test_availability_page_queries_do_not_grow_with_entries(
    client, supervisor, supervisor_profile, frozen_now, django_assert_num_queries, n
):
    _many_entries(supervisor, n)
    client.force_login(supervisor)
    # 1 session, 2 user with staff profile and organisation (kept for the request:
    # time zone middleware and page header), 3 role grants,
    # 4 first programme with its organisation,
    # 5-7 upcoming single slots, weekly windows, upcoming time away (listed, and
    # read by the preview of free slots), 8 commitments (free slots).
    with django_assert_num_queries(8):
        response = client.get(url("availability"))
    assert response.status_code == 200
    assert len(response.context["slots"]) == n
    assert len(response.context["weekly"]) == n + 1  # and the fixture's Tuesday window
    assert len(response.context["away"]) == n
    assert len(response.context["preview"]) == 10


def test_the_preview_reads_the_pages_own_lists_as_free_slots_would_fetch_them(
    supervisor, supervisor_profile, programme, frozen_now
):
    """The availability page hands free_slots the entries it lists (SupervisorEntries):
    the preview must be the slots free_slots finds by itself."""
    _many_entries(supervisor, 20)
    for days, hours in ((2, 3), (9, 30), (-3, 1)):  # away across windows, and past
        AvailabilityException.objects.create(
            supervisor=supervisor,
            starts_at=frozen_now + datetime.timedelta(days=days),
            ends_at=frozen_now + datetime.timedelta(days=days, hours=hours),
        )
    WeeklyAvailability.objects.create(  # ended: listed no more, offers nothing
        supervisor=supervisor,
        weekday=2,
        start_time=datetime.time(15),
        end_time=datetime.time(17),
        valid_from=datetime.date(2025, 1, 1),
        valid_until=datetime.date(2025, 6, 1),
        meeting_link=TEAMS,
    )
    entries = SupervisorEntries(
        slots=list(AvailabilitySlot.objects.filter(supervisor=supervisor, ends_at__gt=frozen_now)),
        weekly=list(WeeklyAvailability.objects.filter(supervisor=supervisor)),
        away=list(
            AvailabilityException.objects.filter(supervisor=supervisor, ends_at__gt=frozen_now)
        ),
    )
    found = free_slots(supervisor=supervisor, programme=programme, now=frozen_now)
    assert len(found) > 20
    given = free_slots(supervisor=supervisor, programme=programme, now=frozen_now, entries=entries)
    assert given == found


def test_the_availability_page_reads_ones_own_entries_that_have_not_ended(
    supervisor, supervisor_profile, programme, frozen_now, organisation
):
    # supervision.permissions.availability_ahead_of and first_one_to_one_programme_of
    # (their SQL built once) against the querysets they were built from.
    from supervision.permissions import availability_ahead_of, first_one_to_one_programme_of
    from tests.factories import StaffProfileFactory

    someone_else = StaffProfileFactory(organisation=organisation).user
    for user in (supervisor, someone_else):
        _many_entries(user, 3)
        AvailabilityException.objects.create(  # ended: not listed
            supervisor=user,
            starts_at=frozen_now - datetime.timedelta(days=3),
            ends_at=frozen_now - datetime.timedelta(days=2),
        )
    later = utc(2026, 12, 2, 10)  # the slots of 1 and 2 December over
    for now in (frozen_now, later):
        expected = (
            list(AvailabilitySlot.objects.filter(supervisor=supervisor, ends_at__gt=now)),
            list(WeeklyAvailability.objects.filter(supervisor=supervisor)),
            list(AvailabilityException.objects.filter(supervisor=supervisor, ends_at__gt=now)),
        )
        assert availability_ahead_of(supervisor, now) == expected
    assert len(availability_ahead_of(supervisor, frozen_now)[0]) == 3
    assert len(availability_ahead_of(supervisor, later)[0]) == 1
    assert first_one_to_one_programme_of(supervisor) == programme
    assert first_one_to_one_programme_of(someone_else) is None
