"""Every path that shows or acts on supervision standards (issue 18): the home page,
the supervisor's card, the compliance page and its CSV, the nudge, the daily reminder."""

import csv
import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from audit.models import AuditEntry
from kernel.models import Profession, StandardKind
from notifications.models import Notification
from notifications.sending import deliver
from supervision.models import ProfessionStandard, Session, StandardNotice
from supervision.notifications_standards import schedule_standard_reminders
from tests.factories import AgreementFactory, ProgrammeFactory, StaffProfileFactory

from .standards_support import held

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# Monday 1 March 2027, noon in London (GMT).
NOW = datetime.datetime(2027, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def nursing(organisation):
    return ProgrammeFactory(
        organisation=organisation,
        name="Nursing supervision",
        standard_kind=StandardKind.EVERY_WEEKS,
        standard_weeks=8,
        allowance_sessions=6,
    )


def _nurse(organisation, name, last_held=None, programme=None):
    profile = StaffProfileFactory(
        organisation=organisation,
        start_date=datetime.date(2025, 1, 1),
        user__last_name=name,
        employee_number=f"E{name}",
    )
    if last_held is not None:
        held(programme, profile.user, last_held)
    return profile


@pytest.fixture
def people(organisation, nursing, clock):
    """Overdue (last held 5 Dec: due by 30 Jan), due soon (11 Jan: due 8 March), up to
    date (1 Feb: due 29 March)."""
    return {
        "overdue": _nurse(
            organisation, "Overdue", datetime.datetime(2026, 12, 5, 10, tzinfo=UTC), nursing
        ),
        "due_soon": _nurse(
            organisation, "Duesoon", datetime.datetime(2027, 1, 11, 10, tzinfo=UTC), nursing
        ),
        "up_to_date": _nurse(
            organisation, "Uptodate", datetime.datetime(2027, 2, 1, 10, tzinfo=UTC), nursing
        ),
    }


# --- Home page ------------------------------------------------------------------


def test_home_says_when_the_next_supervision_is_due(client, people, nursing):
    client.force_login(people["due_soon"].user)
    page = client.get(reverse("supervision:home")).content.decode()
    assert "Your next supervision is due by 8 March 2027." in page
    assert f"{reverse('supervision:supervisors')}?programme={nursing.pk}" in page


def test_home_says_since_when_someone_is_overdue(client, people):
    client.force_login(people["overdue"].user)
    page = client.get(reverse("supervision:home")).content.decode()
    assert "You are overdue for supervision since 31 January 2027." in page


def test_home_says_nothing_of_a_standard_where_there_is_none(client, supervisee, clock):
    client.force_login(supervisee)
    page = client.get(reverse("supervision:home")).content.decode()
    assert "supervision is due by" not in page
    assert "overdue for supervision" not in page


# --- The supervisor's card ------------------------------------------------------------


def test_a_supervisor_sees_which_supervisees_are_due_or_overdue(
    client, organisation, people, nursing, supervisor
):
    for profile in people.values():
        AgreementFactory(programme=nursing, supervisor=supervisor, supervisee=profile.user)
    stranger = _nurse(organisation, "Notmine")  # overdue, but someone else's supervisee
    client.force_login(supervisor)
    page = client.get(reverse("supervision:home")).content.decode()
    card = page.split('id="supervisees-due"', 1)[1].split("</ul>", 1)[0]
    assert "Overdue" in card
    assert "since 31 Jan 2027" in card
    assert "Due soon" in card
    assert "by 8 Mar 2027" in card
    assert people["up_to_date"].user.last_name not in card
    assert stranger.user.last_name not in card
    # Soonest due first.
    assert card.index(people["overdue"].user.last_name) < card.index(
        people["due_soon"].user.last_name
    )


def test_the_supervisors_card_asks_the_same_queries_for_more_supervisees(
    client, organisation, nursing, supervisor, clock, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(count):
        for index in range(count):
            profile = _nurse(
                organisation, f"Sup{index}{count}", NOW - datetime.timedelta(weeks=9), nursing
            )
            AgreementFactory(programme=nursing, supervisor=supervisor, supervisee=profile.user)

    add(2)
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("supervision:home"))
    add(6)
    with CaptureQueriesContext(connection) as after:
        page = client.get(reverse("supervision:home")).content.decode()
    assert page.count("since ") >= 8
    assert len(after) == len(before)


# --- Compliance page and CSV -------------------------------------------------------------


def _admin_get(client, admin, name, **query):
    client.force_login(admin)
    return client.get(reverse(name), query)


def test_compliance_defaults_to_the_financial_year_to_the_last_complete_month(
    client, programme_admin, people
):
    page = _admin_get(client, programme_admin, "reports:compliance").content.decode()
    assert "Showing April 2026 to February 2027" in page
    assert "financial year" in page


def test_in_april_compliance_shows_the_whole_of_last_year(client, programme_admin, organisation):
    with time_machine.travel(datetime.datetime(2027, 4, 15, 12, tzinfo=UTC), tick=False):
        page = _admin_get(client, programme_admin, "reports:compliance").content.decode()
    assert "Showing April 2026 to March 2027" in page


def test_compliance_shows_status_booked_and_allowance_and_filters_by_status(
    client, programme_admin, people, nursing
):
    held(
        nursing,
        people["overdue"].user,
        NOW + datetime.timedelta(days=3),
        status=Session.Status.BOOKED,
    )
    page = _admin_get(
        client, programme_admin, "reports:compliance", programme=nursing.pk
    ).content.decode()
    assert "Booked, not yet held" in page
    assert "Allowance left" in page
    row = page.split("Overdue</a>", 1)[1].split("</tr>", 1)[0]
    assert "since 31 Jan 2027" in row
    overdue = _admin_get(
        client, programme_admin, "reports:compliance", standing="overdue"
    ).content.decode()
    assert "Overdue</a>" in overdue
    assert "Duesoon</a>" not in overdue
    assert "Uptodate</a>" not in overdue
    due = _admin_get(client, programme_admin, "reports:compliance", standing="due_soon")
    assert "Duesoon</a>" in due.content.decode()
    assert "Overdue</a>" not in due.content.decode()


def test_a_made_up_status_is_an_error_not_a_crash(client, programme_admin, people):
    page = _admin_get(client, programme_admin, "reports:compliance", standing="sideways")
    assert page.status_code == 200
    assert "nhsuk-error-summary" in page.content.decode()
    export = _admin_get(client, programme_admin, "reports:compliance_export", standing="x")
    assert export.status_code == 404


def test_the_csv_has_staff_number_status_booked_and_allowance(
    client, programme_admin, people, nursing
):
    held(nursing, people["due_soon"].user, NOW + datetime.timedelta(days=2), status="booked")
    response = _admin_get(
        client, programme_admin, "reports:compliance_export", programme=nursing.pk
    )
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_number = {row[header.index("Staff number")]: row for row in rows}
    due = by_number["EDuesoon"]
    assert due[header.index("Status")] == "Due soon"
    assert due[header.index("Next supervision due by")] == "2027-03-08"
    assert due[header.index("Booked, not yet held")] == "1"
    # Six a period, one attended in it: five left (the booked one counts as well: four).
    assert due[header.index("Allowance left")] == "4"
    assert by_number["EOverdue"][header.index("Status")] == "Overdue"
    overdue_only = _admin_get(
        client, programme_admin, "reports:compliance_export", standing="overdue"
    )
    head, *overdue_rows = list(csv.reader(io.StringIO(overdue_only.content.decode("utf-8-sig"))))
    numbers = [row[1] for row in overdue_rows]
    assert "EOverdue" in numbers
    assert "EDuesoon" not in numbers
    assert "EUptodate" not in numbers
    assert {row[head.index("Status")] for row in overdue_rows} == {"Overdue"}


def test_the_compliance_page_asks_the_same_queries_filtered_by_status(
    client, programme_admin, organisation, nursing, people
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(programme_admin)
    url = reverse("reports:compliance")
    for query in ({}, {"standing": "overdue"}, {"programme": nursing.pk}):
        with CaptureQueriesContext(connection) as before:
            client.get(url, query)
        for index in range(4):
            _nurse(
                organisation,
                f"More{index}{len(query)}{query}",
                NOW - datetime.timedelta(weeks=10),
                nursing,
            )
        with CaptureQueriesContext(connection) as after:
            client.get(url, query)
        assert len(after) == len(before), query


# --- The nudge ------------------------------------------------------------------------------


def _nudge(client, admin, people_ids, **query):
    client.force_login(admin)
    url = reverse("reports:compliance_nudge")
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(url, {"people": people_ids}, follow=True)


def test_a_nudge_reaches_each_person_once_per_reason_per_period(
    client, programme_admin, people, django_capture_on_commit_callbacks
):
    chosen = [people["overdue"].pk, people["due_soon"].pk, people["up_to_date"].pk]
    with django_capture_on_commit_callbacks(execute=False):
        page = _nudge(client, programme_admin, chosen).content.decode()
    assert "Reminder sent to 2 people." in page
    assert "1 person was skipped: they are not due or overdue for supervision." in page
    notes = Notification.objects.filter(kind="supervision_due")
    assert sorted(n.recipient_id for n in notes) == sorted(
        [people["overdue"].user_id, people["due_soon"].user_id]
    )
    entry = AuditEntry.objects.get(action="standard.nudged")
    assert sorted(entry.details["nudged"]) == sorted(chosen[:2])
    again = _nudge(client, programme_admin, chosen[:2]).content.decode()
    assert "Reminder sent to 0 people." in again
    assert "2 people were skipped: they were already sent a reminder for this due date." in again
    assert notes.count() == 2
    assert AuditEntry.objects.filter(action="standard.nudged").count() == 2


def test_the_nudge_is_sent_by_email_and_in_the_app(client, programme_admin, people):
    _nudge(client, programme_admin, [people["overdue"].pk])
    notification = Notification.objects.get(kind="supervision_due")
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        assert deliver(notification.pk) == "sent"
    [email] = mail.outbox
    assert email.to == [people["overdue"].user.email]
    assert "You are overdue for supervision since 31 January 2027" in email.subject
    assert "Your programme admin asked us to remind you." in email.body
    notification.refresh_from_db()
    assert notification.state == Notification.State.SENT


def test_a_nudge_no_longer_true_when_sent_is_not_sent(client, programme_admin, people, nursing):
    _nudge(client, programme_admin, [people["overdue"].pk])
    held(nursing, people["overdue"].user, NOW - datetime.timedelta(hours=2))
    notification = Notification.objects.get(kind="supervision_due")
    deliver(notification.pk)
    assert mail.outbox == []


def test_nudging_nobody_says_why(client, programme_admin, people):
    page = _nudge(client, programme_admin, []).content.decode()
    assert "Select at least one person to send a reminder to." in page
    assert not StandardNotice.objects.exists()


def test_nudging_another_organisations_person_is_404(
    client, programme_admin, people, other_organisation
):
    stranger = StaffProfileFactory(organisation=other_organisation)
    client.force_login(programme_admin)
    url = reverse("reports:compliance_nudge")
    assert client.post(url, {"people": [people["overdue"].pk, stranger.pk]}).status_code == 404
    assert client.post(url, {"people": ["not-a-number"]}).status_code == 404
    assert not StandardNotice.objects.exists()


def test_another_organisations_admin_cannot_nudge_our_people(client, outsider, people):
    client.force_login(outsider)
    response = client.post(reverse("reports:compliance_nudge"), {"people": [people["overdue"].pk]})
    assert response.status_code == 404
    assert not StandardNotice.objects.exists()


def test_only_programme_admins_may_nudge(client, supervisor, people):
    client.force_login(supervisor)
    response = client.post(reverse("reports:compliance_nudge"), {"people": [people["overdue"].pk]})
    assert response.status_code == 403


# --- The daily reminder -----------------------------------------------------------------------


def test_the_daily_reminder_tells_people_entering_due_soon_once(people):
    assert schedule_standard_reminders(NOW) == 1
    notice = StandardNotice.objects.get()
    assert notice.user == people["due_soon"].user
    assert notice.reason == StandardNotice.Reason.REMINDER
    assert notice.due_on == datetime.date(2027, 3, 8)
    # Re-run the same day, and the next: nobody is told twice for the same due date.
    assert schedule_standard_reminders(NOW) == 0
    assert schedule_standard_reminders(NOW + datetime.timedelta(days=1)) == 0
    assert Notification.objects.filter(kind="supervision_due").count() == 1
    # Two weeks later the up-to-date person (due 29 March) enters due soon.
    later = NOW + datetime.timedelta(days=14)
    with time_machine.travel(later, tick=False):
        assert schedule_standard_reminders(later) == 1


def test_the_reminder_email_says_when_supervision_is_due(people):
    schedule_standard_reminders(NOW)
    notification = Notification.objects.get(kind="supervision_due")
    assert deliver(notification.pk) == "sent"
    [email] = mail.outbox
    assert email.subject.endswith("Your next supervision is due by 8 March 2027")
    assert "Your programme admin asked" not in email.body


def test_the_reminder_uses_the_profession_default(organisation, clock):
    ProfessionStandard.objects.create(
        organisation=organisation,
        profession=Profession.NURSE,
        standard_kind=StandardKind.EVERY_WEEKS,
        standard_weeks=4,
    )
    plain = ProgrammeFactory(organisation=organisation)
    nurse = _nurse(organisation, "Default", datetime.datetime(2027, 2, 5, 10, tzinfo=UTC), plain)
    assert schedule_standard_reminders(NOW) == 1
    assert StandardNotice.objects.get().user == nurse.user


def test_the_reminder_task_is_on_the_beat_schedule():
    from supervision_site.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "supervision.tasks.schedule_standard_reminders" in tasks


# --- The profession defaults page -------------------------------------------------------------


def test_an_admin_sets_and_removes_a_professions_default(client, programme_admin, organisation):
    client.force_login(programme_admin)
    url = reverse("supervision:manage_standards")
    missing = client.post(url, {"profession": "nurse", "standard_kind": "every_weeks"})
    assert "Enter how many weeks at most between sessions" in missing.content.decode()
    saved = client.post(
        url,
        {
            "profession": "nurse",
            "standard_kind": "every_weeks",
            "standard_weeks": "8",
            "standard_counts_groups": "no",
        },
    )
    assert saved.status_code == 302
    standard = ProfessionStandard.objects.get(organisation=organisation)
    assert (standard.standard_weeks, standard.standard_counts_groups) == (8, False)
    assert "At least once every 8 weeks" in client.get(url).content.decode()
    client.post(url, {"profession": "nurse", "standard_kind": ""})
    assert not ProfessionStandard.objects.exists()
    assert AuditEntry.objects.filter(action="standard.profession_set").count() == 2


def test_an_admin_sees_only_their_own_organisations_defaults(client, outsider, organisation):
    ProfessionStandard.objects.create(
        organisation=organisation,
        profession=Profession.NURSE,
        standard_kind=StandardKind.EVERY_WEEKS,
        standard_weeks=8,
    )
    client.force_login(outsider)
    page = client.get(reverse("supervision:manage_standards")).content.decode()
    assert "No profession has a minimum yet." in page


def test_a_programme_form_sets_the_programmes_minimum(client, programme_admin, nursing):
    client.force_login(programme_admin)
    url = reverse("supervision:manage_programme_edit", args=[nursing.pk])
    form = client.get(url).content.decode()
    assert "Minimum frequency of supervision" in form
    assert 'value="8"' in form
