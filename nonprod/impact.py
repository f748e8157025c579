"""Seeds 000 and 003 in the demo: a junior doctors' peer support group that asks how it went
and measures its impact.

"Trainees4trainees" (seed 003): an online group for junior doctors only (FY1 to
ST2: the consultant Marcus Reid is refused), run by
two trained trainees (Tom Fletcher and Priya Raman), with a place left for a
doctor to ask for. Its last meetings have registers and feedback from enough
members for the facilitators to see released totals; the most recent asks Ife
Adebayo (the demo junior doctor) for feedback through the outbox. Its
programme asks the SWEMWBS wellbeing measure: members answered when they
joined and three months later, so the wellbeing lead and programme admin see a
released mean change, while Ife, who joined last, is asked for the first time.

The measure's seven statements here are placeholders: the scale's wording is
the organisation's licensed copy (README, "Wellbeing measure").
"""

import datetime
import random
import zoneinfo

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.utils import timezone

from feedback.models import FeedbackResponse, MeasureResponse, QuestionKind, WellbeingMeasure
from feedback.services.feedback import feedback_submit, questions_for
from feedback.services.measures import measure_answer, measure_save
from kernel.models import (
    Band,
    Department,
    Grade,
    Modality,
    PeriodKind,
    Profession,
    Programme,
    SupervisionFunction,
)
from peergroups.models import Attendance, Group, GroupRecord, GroupSession, Membership
from peergroups.recurrence import group_occurrences
from peergroups.services.groups import group_create, membership_add, register_save
from supervision.services.people import staff_invite

from .history.constants import BETTER, HELPED

GROUP_NAME = "Trainees4trainees: junior doctors' peer support group"
# (first, last, department, job title, grade): foundation and core trainees across specialties.
JUNIOR_DOCTORS = [
    ("Aisha", "Rahman", "Emergency department", "Foundation doctor (FY1)", Grade.FY1),
    ("Ben", "Okoye", "Ward 7 (Acute medicine)", "Foundation doctor (FY1)", Grade.FY1),
    ("Cara", "Doyle", "Ward 12 (Surgery)", "Foundation doctor (FY2)", Grade.FY2),
    ("Dev", "Malhotra", "Critical care", "Core trainee (CT1), anaesthetics", Grade.ST1_2),
    ("Erin", "Walsh", "Children's ward", "Specialty trainee (ST1), paediatrics", Grade.ST1_2),
    ("Farid", "Haddad", "Maternity", "Specialty trainee (ST2), obstetrics", Grade.ST1_2),
]
# The group is for doctors in their first years of training (seed 003's "junior
# doctors"): a consultant, or a registrar, asking to join is told so.
JUNIOR_GRADES = [Grade.FY1, Grade.FY2, Grade.ST1_2]
STATEMENTS = [
    f"SWEMWBS statement {n} (your organisation's licensed wording goes here)" for n in range(1, 8)
]


def demo_doctor(organisation, first, last, department, title, grade):
    """A junior doctor with the demo password, signed up and ready to sign in."""
    User = get_user_model()
    email = f"{first.lower()}.{last.lower()}@{organisation.slug}.example"
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    profile = staff_invite(
        actor=None,
        organisation=organisation,
        email=email,
        first_name=first,
        last_name=last,
        department=Department.objects.get(organisation=organisation, name=department),
        profession=Profession.DOCTOR,
        band=Band.OTHER,
        grade=grade,
        job_title=title,
        send_invitation=False,
    )
    from .demo import ready_to_sign_in

    ready_to_sign_in(profile.user)
    return profile.user


def _past_meetings(group: Group, today: datetime.date, count: int) -> list[GroupSession]:
    """The group's last `count` meetings before today, on its own schedule."""
    since = today - relativedelta(months=count + 1)
    past = [o for o in group_occurrences(group, since, today) if o.ends_at < timezone.now()]
    meetings = []
    for occurrence in past[-count:]:
        meeting, _ = GroupSession.objects.get_or_create(
            group=group,
            occurrence=occurrence.date,
            defaults={
                "starts_at": occurrence.starts_at.astimezone(datetime.UTC),
                "ends_at": occurrence.ends_at.astimezone(datetime.UTC),
            },
        )
        meetings.append(meeting)
    return meetings


def _give_feedback(author, meeting, rating: int, words: list[str], when) -> None:
    """Feedback on a meeting: `rating` for every rating question, `words` for the text ones."""
    texts = iter(words)
    answers = {
        question: rating if question.kind == QuestionKind.RATING else next(texts, "")
        for question in questions_for(meeting.group.programme)
    }
    response = feedback_submit(author=author, meeting=meeting, answers=answers)
    FeedbackResponse.objects.filter(pk=response.pk).update(submitted_at=when)


def load_junior_doctors_group(westfield) -> None:
    """The group, its members, past meetings with feedback, and its wellbeing measure."""
    if Group.objects.filter(organisation=westfield, name=GROUP_NAME).exists():
        return
    rng = random.Random(3)  # noqa: S311 - demo data, not security
    User = get_user_model()
    tom = User.objects.get(email="tom.fletcher@westfield.example")
    priya = User.objects.get(email="priya.raman@westfield.example")
    ife = User.objects.get(email="ife.adebayo@westfield.example")
    programme, _ = Programme.objects.get_or_create(
        organisation=westfield,
        name="Peer support groups for junior doctors",
        defaults={
            "description": "Trainees4trainees: online peer support groups for junior doctors "
            "across specialties, facilitated by two trained trainees, in protected time.",
            "modality": Modality.GROUP,
            "period_kind": PeriodKind.ROLLING,
            "eligible_everyone": False,
            "eligible_professions": [Profession.DOCTOR],
            "eligible_grades": JUNIOR_GRADES,
            "not_eligible_message": "These groups are for junior doctors. Nurses, midwives and "
            "allied health professionals can join the reflective practice groups.",
        },
    )
    zone = zoneinfo.ZoneInfo(westfield.time_zone)
    today = timezone.localdate(timezone=zone)
    started = today - relativedelta(months=5)
    group = group_create(
        actor=None,
        organisation=westfield,
        facilitators=[tom, priya],
        programme=programme,
        name=GROUP_NAME,
        description="A safe space to talk about hard days, moral injury and the emotional "
        "side of training, with other junior doctors. Online, in protected time.",
        group_type="peer_support",
        capacity=8,
        mode="online",
        meeting_link="https://zoom.us/j/5550300300",
        location="",
        recurrence="monthly",
        weekday=2,
        week_of_month=1,
        start_time=datetime.time(18, 0),
        end_time=datetime.time(19, 30),
        starts_on=started,
        ends_on=None,
        open_to_other_organisations=False,
        offer_hours=72,
        absence_threshold=2,
        eligible_everyone=False,
        eligible_professions=[Profession.DOCTOR],
        eligible_grades=JUNIOR_GRADES,
    )
    members = [demo_doctor(westfield, *person) for person in JUNIOR_DOCTORS]
    joined = datetime.datetime.combine(started, datetime.time(9), tzinfo=zone)
    for user in [*members, ife]:
        membership_add(actor=tom, group=group, user=user)
    # The six joined when the group started; Ife a week before its latest meeting.
    Membership.objects.filter(group=group, user__in=members).update(joined_at=joined)
    measure = measure_save(
        actor=None,
        programme=programme,
        statements=STATEMENTS,
        interval_months=3,
        licence="Demo data: registered with the University of Warwick (non-commercial licence)",
    )
    WellbeingMeasure.objects.filter(pk=measure.pk).update(created_at=joined)
    measure.refresh_from_db()
    _measure_answers(measure, members, joined, rng)
    _meetings_with_feedback(group, members, ife, tom, today, rng)


def _measure_answers(measure, members, joined, rng) -> None:
    """Each answered when they joined and again three months later (a month that has ended)."""
    for user in members:
        start = [rng.randint(2, 4) for _ in range(7)]
        later = [min(5, a + rng.choice([0, 0, 1, 1, 2])) for a in start]
        for occasion, answers, when in (
            (0, start, joined + datetime.timedelta(days=1)),
            (1, later, joined + relativedelta(months=3, days=3)),
        ):
            response = measure_answer(
                actor=user, measure=measure, joined=joined, answers=answers, now=when
            )
            MeasureResponse.objects.filter(pk=response.pk, occasion=occasion).update(
                submitted_at=when
            )


def _meetings_with_feedback(group, members, ife, facilitator, today, rng) -> None:
    """Registers and feedback for the last three meetings; the latest asks Ife for hers."""
    meetings = _past_meetings(group, today, 3)
    for meeting in meetings[:-1]:
        for user in members:
            present = rng.random() < 0.85
            Attendance.objects.get_or_create(
                session=meeting, user=user, defaults={"status": "present" if present else "absent"}
            )
            if present:
                _give_feedback(
                    user,
                    meeting,
                    rng.choice([4, 4, 5, 5, 3]),
                    [rng.choice(HELPED), rng.choice(BETTER)],
                    meeting.ends_at + datetime.timedelta(hours=rng.randint(2, 60)),
                )
    if meetings:
        latest = meetings[-1]
        Membership.objects.filter(group=group, user=ife).update(
            joined_at=latest.starts_at - datetime.timedelta(days=7)
        )
        marks = {user.pk: "present" for user in [*members[:4], ife]}
        marks |= {user.pk: "apologies" for user in members[4:]}
        register_save(actor=facilitator, meeting=latest, marks=marks)
    # The facilitators keep up with their records: the demo's one meeting left to
    # complete is the reflective group's (nonprod/demo_groups.py).
    for meeting in meetings:
        GroupRecord.objects.get_or_create(
            session=meeting,
            defaults={
                "functions": [SupervisionFunction.RESTORATIVE],
                "written_by": facilitator,
            },
        )
