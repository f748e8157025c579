"""A small organisation with three months of history, for the report tests.

Sixteen staff in two wards, so that most breakdowns fall under 5 people and
suppression has work to do. Sessions, group meetings, peer-support requests,
feedback and wellbeing check-ins from September to November 2026.
"""

import datetime
import itertools
from typing import Any

from feedback.models import FeedbackAnswer, FeedbackQuestion, FeedbackResponse, WellbeingCheckIn
from kernel.models import Band, Modality, Profession, Role, Theme
from peergroups.models import (
    Attendance,
    CheckIn,
    Group,
    GroupRecord,
    GroupSession,
    SupportRequest,
)
from supervision.models import Session, SessionRecord

from ..factories import DepartmentFactory, ProgrammeFactory, RoleGrantFactory, StaffProfileFactory

UTC = datetime.UTC
MONTHS = [(2026, 9), (2026, 10), (2026, 11)]

# (ward, band, profession) for each of sixteen people
PEOPLE = [
    *[("A", Band.BAND_5, Profession.NURSE)] * 4,
    *[("A", Band.BAND_6, Profession.NURSE)] * 3,
    ("A", Band.BAND_7, Profession.NURSE),
    ("A", Band.BAND_7, Profession.AHP),
    *[("B", Band.BAND_5, Profession.NURSE)] * 2,
    ("B", Band.BAND_6, Profession.AHP),
    ("B", Band.BAND_6, Profession.NURSE),
    *[("B", Band.BAND_7, Profession.NURSE)] * 3,
]
STATUSES = ["attended", "attended", "did_not_attend", "late", "supervisor", "attended", "booked"]


def build(
    organisation, suffix: str = "", people=PEOPLE, months: list[tuple[int, int]] = MONTHS
) -> dict:
    """The organisation's history; `suffix` names a second copy's wards and programmes.

    `people` ((ward, band, profession) each) and `months` ((year, month) each)
    make a larger organisation for the differencing attacks.
    """
    wards = {
        name: DepartmentFactory(organisation=organisation, name=f"Ward {name}{suffix}")
        for name in sorted({ward for ward, _, _ in people})
    }
    one = ProgrammeFactory(
        organisation=organisation, name=f"One-to-one{suffix}", eligible_everyone=True
    )
    senior = ProgrammeFactory(
        organisation=organisation,
        name=f"Band 6-7 one-to-one{suffix}",
        eligible_everyone=False,
        eligible_bands=[Band.BAND_6, Band.BAND_7],
    )
    group_programme = ProgrammeFactory(
        organisation=organisation,
        name=f"Reflective groups{suffix}",
        modality=Modality.GROUP,
        allowance_sessions=None,
    )
    supervisors = [
        StaffProfileFactory(organisation=organisation, department=wards["A"], band=Band.BAND_8A)
        for _ in range(2)
    ]
    for profile in supervisors:
        RoleGrantFactory(user=profile.user, organisation=organisation, role=Role.SUPERVISOR)
    staff = [
        StaffProfileFactory(
            organisation=organisation, department=wards[ward], band=band, profession=profession
        )
        for ward, band, profession in people
    ]
    theme, _ = Theme.objects.get_or_create(organisation=organisation, name="Workload")
    question = FeedbackQuestion.objects.create(
        programme=one, text="The session was useful", kind="rating", position=1
    )
    statuses = itertools.cycle(STATUSES)
    for index, profile in enumerate(staff):
        for month_index, (year, month) in enumerate(months):
            if (index + month_index) % 3 == 2:
                continue
            starts = datetime.datetime(year, month, 2 + index % 26, 8 + index // 26, tzinfo=UTC)
            programme = senior if profile.band != Band.BAND_5 and index % 2 else one
            status = next(statuses)
            session = _session(programme, supervisors[index % 2].user, profile.user, starts, status)
            if status == "attended":
                record = SessionRecord.objects.create(session=session, actual_minutes=60)
                record.themes.add(theme)
                response = FeedbackResponse.objects.create(
                    author=profile.user,
                    programme=programme,
                    session=session,
                    supervisor=session.supervisor,
                )
                FeedbackResponse.objects.filter(pk=response.pk).update(submitted_at=starts)
                if programme == one:
                    FeedbackAnswer.objects.create(
                        response=response, question=question, rating=1 + index % 5
                    )
            checkin = WellbeingCheckIn.objects.create(
                author=profile.user,
                organisation=organisation,
                department_id=profile.department_id,
                band=profile.band,
                profession=profile.profession,
                feeling=1 + (index + month_index) % 5,
            )
            WellbeingCheckIn.objects.filter(pk=checkin.pk).update(created_at=starts)
    group = Group.objects.create(
        programme=group_programme,
        organisation=organisation,
        name="Reflective practice",
        group_type="reflective_practice",
        capacity=12,
        weekday=1,
        start_time=datetime.time(14),
        end_time=datetime.time(15),
        starts_on=datetime.date(*months[0], 1),
    )
    for month_index, (year, month) in enumerate(months):
        starts = datetime.datetime(year, month, 8, 14, tzinfo=UTC)
        meeting = GroupSession.objects.create(
            group=group,
            occurrence=starts.date(),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
        )
        for index, profile in enumerate(staff[:10]):
            status = ["present", "present", "apologies", "absent"][(index + month_index) % 4]
            Attendance.objects.create(session=meeting, user=profile.user, status=status)
        GroupRecord.objects.create(
            session=meeting,
            notes="Reflected on a busy month.",
            systemic_issues="Rota gaps on nights." if month_index != 1 else "",
            written_by=supervisors[0].user,
        )
    kinds = ["adverse_event", "patient_death", "violence", "other"]
    for index, profile in enumerate(staff[:9]):
        created = datetime.datetime(2026, 10, 1 + index, 9, tzinfo=UTC)
        request = SupportRequest.objects.create(
            organisation=organisation,
            requester=profile.user,
            event_kind=kinds[index % 4],
            contact_mode="phone",
            first_contact_due=created + datetime.timedelta(hours=72),
            supporter=supervisors[1].user,
            status="closed" if index % 3 == 0 else "assigned",
            **(
                {"closed_at": created + datetime.timedelta(days=10), "outcome": "no_further"}
                if index % 3 == 0
                else {}
            ),
        )
        SupportRequest.objects.filter(pk=request.pk).update(created_at=created)
        CheckIn.objects.create(
            request=request,
            happened_at=created + datetime.timedelta(hours=24 + 12 * index),
            mode="phone",
            logged_by=supervisors[0].user,
        )
    return {
        "wards": wards,
        "programmes": [one, senior, group_programme],
        "staff": staff,
        "supervisors": supervisors,
    }


def _session(programme, supervisor, supervisee, starts, status):
    fields: dict[str, Any] = {"status": Session.Status.BOOKED}
    if status in ("attended", "did_not_attend"):
        fields["status"] = status
    elif status in ("late", "supervisor"):
        fields.update(
            status=Session.Status.CANCELLED,
            cancelled_at=starts - datetime.timedelta(hours=2),
            cancelled_by="supervisee" if status == "late" else "supervisor",
            late_cancellation=status == "late",
        )
    return Session.objects.create(
        programme=programme,
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        **fields,
    )
