"""Wellbeing check-ins: private to their author; leads see only aggregates of 5+ people."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from disclosure import HIDDEN_SMALL
from feedback.aggregates_wellbeing import wellbeing_aggregate
from feedback.charts import feelings_chart
from feedback.models import WellbeingCheckIn
from feedback.notifications_wellbeing import schedule_wellbeing_prompts
from feedback.services.wellbeing import wellbeing_checkin_create
from feedback.wellbeing_forms import FEELING_WORDS
from kernel.models import Band, Profession
from notifications import registry
from notifications.models import Notification
from peergroups.models import ContactMode, SupportRequest
from tests.factories import DepartmentFactory, StaffProfileFactory

pytestmark = pytest.mark.django_db

COMMENT = "Rota is grinding me down after the incident on bay 3"
CHECKIN = reverse("feedback:wellbeing_checkin")
MINE = reverse("feedback:wellbeing")


def answer(**overrides):
    data = {"feeling": "2", "comment": COMMENT, "wants_peer_support": "no"}
    return data | overrides


def test_checkin_keeps_department_band_and_profession_as_they_were(client, supervisee):
    profile = supervisee.profile
    profile.band, profile.profession = Band.BAND_7, Profession.MIDWIFE
    profile.save()
    client.force_login(supervisee)

    response = client.post(CHECKIN, answer())

    assert response.status_code == 302
    checkin = WellbeingCheckIn.objects.get()
    assert (checkin.author, checkin.feeling, checkin.comment) == (supervisee, 2, COMMENT)
    assert checkin.department_id == profile.department_id
    assert (checkin.band, checkin.profession) == (Band.BAND_7, Profession.MIDWIFE)
    assert checkin.organisation_id == profile.organisation_id
    assert checkin.support_request_id is None
    # Moving department later does not rewrite history.
    profile.department = DepartmentFactory(organisation=profile.organisation)
    profile.save()
    checkin.refresh_from_db()
    assert checkin.department_id != profile.department_id


def test_audit_names_the_checkin_but_never_the_comment_or_feeling(client, supervisee):
    client.force_login(supervisee)
    client.post(CHECKIN, answer())
    entry = AuditEntry.objects.get(action="wellbeing_checkin.created")
    assert COMMENT not in entry.summary
    assert COMMENT not in str(entry.details)
    assert "feeling" not in str(entry.details)


def test_yes_with_consent_asks_for_a_peer_supporter_and_links_the_request(client, supervisee):
    client.force_login(supervisee)

    response = client.post(
        CHECKIN,
        answer(
            wants_peer_support="yes",
            consent="on",
            contact_mode=ContactMode.PHONE,
            contact_detail="07700 900123 after 5pm",
        ),
    )

    assert response.status_code == 302
    checkin = WellbeingCheckIn.objects.get()
    support_request = SupportRequest.objects.get()
    assert checkin.wants_peer_support
    assert checkin.support_request_id == support_request.pk
    assert support_request.requester == supervisee
    assert support_request.contact_mode == ContactMode.PHONE
    assert support_request.contact_detail == "07700 900123 after 5pm"
    # The private comment does not travel with the request.
    assert COMMENT not in support_request.note
    # The confirmation links to the request, once.
    page = client.get(MINE).content.decode()
    assert "Thank you for checking in" in page
    assert reverse("peergroups:support_request", args=[support_request.pk]) in page
    assert "Thank you for checking in" not in client.get(MINE).content.decode()


def test_yes_without_consent_is_refused_with_an_error_summary(client, supervisee):
    client.force_login(supervisee)

    response = client.post(
        CHECKIN,
        answer(wants_peer_support="yes", contact_mode=ContactMode.EMAIL, contact_detail="me"),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "nhsuk-error-summary" in page
    assert "Confirm that you agree to a peer supporter contacting you" in page
    assert not WellbeingCheckIn.objects.exists()
    assert not SupportRequest.objects.exists()


def test_yes_without_a_way_to_contact_is_refused(client, supervisee):
    client.force_login(supervisee)
    response = client.post(CHECKIN, answer(wants_peer_support="yes", consent="on"))
    page = response.content.decode()
    assert "Select how you would like to be contacted" in page
    assert "Enter how your supporter can reach you" in page
    assert not SupportRequest.objects.exists()


def test_service_refuses_yes_without_consent(supervisee):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        wellbeing_checkin_create(
            actor=supervisee, feeling=3, wants_peer_support=True, contact_mode=ContactMode.PHONE
        )
    assert not SupportRequest.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"feeling": "9", "wants_peer_support": "no"},
        {"feeling": "abc", "wants_peer_support": "maybe"},
        {"feeling": "0", "wants_peer_support": "yes", "contact_mode": "pigeon"},
        {"feeling": "3", "wants_peer_support": "no", "comment": "x" * 3000},
        {"feeling": ["1", "x"], "wants_peer_support": "no", "consent": "\x00"},
    ],
)
def test_bad_answers_are_shown_as_errors_not_failures(client, supervisee, data):
    client.force_login(supervisee)
    response = client.post(CHECKIN, data)
    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()
    assert not WellbeingCheckIn.objects.exists()


def test_the_form_asks_the_questions_with_words_and_labels(client, supervisee):
    client.force_login(supervisee)
    page = client.get(CHECKIN).content.decode()
    assert "How are you feeling about work at the moment?" in page
    assert "Very low" in page
    assert "Very good" in page
    assert "Would you like a peer supporter to contact you?" in page
    assert page.count("<h1") == 1
    for field in ("comment", "consent", "contact_detail"):
        assert f'for="id_{field}"' in page


def test_trend_page_shows_only_your_own_checkins(client, supervisee, other_supervisee):
    for feeling in (2, 4):
        wellbeing_checkin_create(actor=supervisee, feeling=feeling)
    for _ in range(3):
        wellbeing_checkin_create(actor=other_supervisee, feeling=1, comment=COMMENT)
    client.force_login(supervisee)

    page = client.get(MINE).content.decode()

    assert page.count("<circle") == 2
    assert page.count('<td class="nhsuk-table__cell">') == 6  # 2 rows of 3 cells
    assert "2: Low" in page
    assert "4: Good" in page
    assert "1: Very low" not in page
    assert COMMENT not in page
    assert page.count("<h1") == 1


def test_trend_page_keeps_to_the_last_twelve_months(client, supervisee):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=400)):
        wellbeing_checkin_create(actor=supervisee, feeling=1)
    wellbeing_checkin_create(actor=supervisee, feeling=5)
    client.force_login(supervisee)
    page = client.get(MINE).content.decode()
    assert page.count("<circle") == 1
    assert "1: Very low" not in page


@pytest.mark.parametrize("role", ["supervisor", "programme_admin", "wellbeing_lead", "outsider"])
def test_nobody_else_sees_your_checkins(client, supervisee, role, request):
    wellbeing_checkin_create(actor=supervisee, feeling=1, comment=COMMENT)
    client.force_login(request.getfixturevalue(role))
    page = client.get(MINE).content.decode()
    assert "<circle" not in page
    assert COMMENT not in page


def test_chart_is_an_image_with_a_title_and_description_and_no_inline_style():
    now = timezone.now()
    points = [(now - datetime.timedelta(days=30), 2), (now, 4)]
    svg = str(feelings_chart(points, FEELING_WORDS))
    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert "<title" in svg
    assert "<desc" in svg
    assert "style=" not in svg
    assert 'stroke="#005eb8"' in svg
    assert svg.count("<circle") == 2


def test_chart_with_no_points_still_describes_itself():
    svg = str(feelings_chart([], FEELING_WORDS))
    assert 'role="img"' in svg
    assert "No check-ins yet." in svg


def _people(organisation, department, count, checkins_each=1, feeling=3):
    for _ in range(count):
        user = StaffProfileFactory(organisation=organisation, department=department).user
        for _ in range(checkins_each):
            wellbeing_checkin_create(actor=user, feeling=feeling)


def test_lead_sees_no_average_under_five_people_and_counts_rounded(organisation):
    small = DepartmentFactory(organisation=organisation)
    large = DepartmentFactory(organisation=organisation)
    # Four people checking in three times each: 12 check-ins, still only 4 people.
    _people(organisation, small, 4, checkins_each=3, feeling=1)
    _people(organisation, large, 5, feeling=4)

    rows = {
        row["group"]: row
        for row in wellbeing_aggregate(WellbeingCheckIn.objects.all(), group_by="department_id")
    }

    assert rows[small.pk]["suppressed"]
    assert rows[small.pk]["mean"] == HIDDEN_SMALL
    assert str(rows[small.pk]["mean"]) == "fewer than 5"
    # 4 people and 12 check-ins, rounded like every count: never a small number
    assert (rows[small.pk]["people"], rows[small.pk]["checkins"]) == (5, 10)
    assert not rows[large.pk]["suppressed"]
    assert rows[large.pk]["people"] == 5
    assert rows[large.pk]["checkins"] == 5
    assert rows[large.pk]["mean"] == 4.0


def test_aggregate_counts_people_not_checkins_overall(organisation):
    department = DepartmentFactory(organisation=organisation)
    _people(organisation, department, 2, checkins_each=5)
    [row] = wellbeing_aggregate(WellbeingCheckIn.objects.all())
    assert row["suppressed"]
    assert row["mean"] == HIDDEN_SMALL
    assert (row["people"], row["checkins"]) == (0, 10)  # 2 people round to 0
    _people(organisation, department, 3)
    [row] = wellbeing_aggregate(WellbeingCheckIn.objects.all())
    # 13 check-ins are shown rounded to the nearest 5 (disclosure.count).
    assert (row["people"], row["checkins"], row["mean"]) == (5, 15, 3.0)


def test_counts_a_lead_sees_are_rounded_to_the_nearest_five(organisation):
    department = DepartmentFactory(organisation=organisation)
    _people(organisation, department, 7, checkins_each=1, feeling=2)
    [row] = wellbeing_aggregate(WellbeingCheckIn.objects.all())
    # 7 people, 7 check-ins: both shown as 5, so one more or fewer is never readable.
    assert (row["people"], row["checkins"], row["mean"], row["suppressed"]) == (5, 5, 2.0, False)
    _people(organisation, department, 1, checkins_each=4, feeling=4)
    [row] = wellbeing_aggregate(WellbeingCheckIn.objects.all())
    # 8 people (10), 11 check-ins (10); the mean is not rounded away: (14 + 16) / 11.
    assert (row["people"], row["checkins"], row["mean"]) == (10, 10, 2.7)


def test_aggregate_by_month_band_and_profession(organisation):
    department = DepartmentFactory(organisation=organisation)
    _people(organisation, department, 5)
    for group_by in ("month", "band", "profession"):
        [row] = wellbeing_aggregate(WellbeingCheckIn.objects.all(), group_by=group_by)
        assert row["people"] == 5
    with pytest.raises(ValueError, match="comment"):
        wellbeing_aggregate(WellbeingCheckIn.objects.all(), group_by="comment")


# --- The monthly prompt ------------------------------------------------------


def test_monthly_prompt_is_planned_once_per_active_person(supervisee, other_supervisee, supervisor):
    leaver = StaffProfileFactory(organisation=supervisee.profile.organisation).user
    leaver.is_active = False
    leaver.save()
    today = datetime.date(2026, 7, 1)

    schedule_wellbeing_prompts(today)
    schedule_wellbeing_prompts(today)  # the beat running twice changes nothing

    prompts = Notification.objects.filter(kind="wellbeing_prompt")
    assert sorted(prompts.values_list("recipient_id", flat=True)) == sorted(
        [supervisee.pk, other_supervisee.pk, supervisor.pk]
    )
    first = prompts.first()
    assert first is not None
    due = first.due_at.astimezone(datetime.UTC)
    # 10:00 in London in July is 09:00 UTC.
    assert due == datetime.datetime(2026, 7, 1, 9, 0, tzinfo=datetime.UTC)


def test_prompt_is_not_sent_after_a_recent_checkin(supervisee):
    schedule_wellbeing_prompts()
    notification = Notification.objects.get(kind="wellbeing_prompt", recipient=supervisee)
    kind = registry.get("wellbeing_prompt")
    assert kind is not None
    assert kind.prompt
    assert kind.optional

    message = kind.render(notification)
    assert message is not None
    assert message.url == CHECKIN

    wellbeing_checkin_create(actor=supervisee, feeling=3)
    assert kind.render(notification) is None
    with time_machine.travel(timezone.now() + datetime.timedelta(days=26)):
        assert kind.render(notification) is not None


def test_task_plans_the_prompts(supervisee):
    from feedback.tasks import schedule_wellbeing_prompts as task

    assert task.run() == 1


# --- Access and query counts -------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client):
    for url in (MINE, CHECKIN):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response.url


def test_someone_without_a_staff_profile_cannot_check_in(client, django_user_model):
    user = django_user_model.objects.create_user(email="nobody@trust.example", password="x")
    client.force_login(user)
    assert client.get(CHECKIN).status_code == 403
    assert client.get(MINE).status_code == 200


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_wellbeing_page_query_count_does_not_grow_with_checkins(client, supervisee):
    client.force_login(supervisee)
    wellbeing_checkin_create(actor=supervisee, feeling=3)
    one = _count(client, MINE)
    for feeling in [1, 2, 3, 4, 5] * 4:
        wellbeing_checkin_create(actor=supervisee, feeling=feeling)
    # session, user, the user's check-ins, their staff profile (and the header's own)
    assert _count(client, MINE) == one
