"""Seed 004 in the demo: a reflective practice group whose themes reach the organisation.

Run by an external facilitator (an independent practitioner, on no staff list)
with Tom Fletcher. Three meetings have happened: registers taken, records
written, and themes released; the last meeting's theme waits for Tom to agree.
The last meeting had only 3 people present, so its theme does not name the
group. Idempotent: nothing is added twice.
"""

import datetime

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from kernel.models import Band, Role, StaffProfile, SupervisionFunction, Theme
from peergroups.models import Attendance, ExternalFacilitator, Group, GroupSession
from peergroups.recurrence import group_occurrences
from peergroups.services import groups as group_services
from peergroups.services import themes as theme_services
from supervision.services.people import role_grant

EXTERNAL = ("Morag", "Lindsay", "morag.lindsay@lindsay-practice.example")
LOGIN = "External facilitator (independent practitioner)"
GROUP_NAME = "Ward leadership reflective practice group"
# (theme, statement, written by Morag (else Tom), released)
THEMES = (
    (
        "Workload",
        "Staff describe breaks being skipped when the ward is short of staff at night.",
        True,
        True,
    ),
    (
        "Team relationships",
        "Handovers between day and night teams feel rushed, and people leave worried "
        "about what was missed.",
        False,
        True,
    ),
    (
        "Wellbeing",
        "Some people do not know where to go for support after a distressing shift.",
        True,
        True,
    ),
    (
        "Career",
        "Study leave is hard to take because of gaps in the rota.",
        True,
        False,
    ),
)
PRESENT = (6, 6, 3)  # people marked present at each of the three past meetings


def _external(westfield, password: str):
    User = get_user_model()
    first, last, email = EXTERNAL
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, first_name=first, last_name=last)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    role_grant(actor=None, user=user, organisation=westfield, role=Role.FACILITATOR)
    ExternalFacilitator.objects.get_or_create(
        user=user,
        organisation=westfield,
        defaults={"affiliation": "Independent practitioner", "invited_at": timezone.now()},
    )
    return user


def load_seed004(westfield, programme, *, password: str) -> list[tuple[str, str]]:
    """The external facilitator (a demo login) and their group with its themes."""
    morag = _external(westfield, password)
    logins = [(LOGIN, morag.email)]
    if Group.objects.filter(organisation=westfield, name=GROUP_NAME).exists():
        return logins
    tom = get_user_model().objects.get(email="tom.fletcher@westfield.example")
    members = [
        profile.user
        for profile in StaffProfile.objects.filter(
            organisation=westfield, user__is_active=True, band__in=[Band.BAND_6, Band.BAND_7]
        )
        .exclude(user=tom)
        .select_related("user")
        .order_by("-user__email")[:7]
    ]
    today = timezone.localdate()
    group = group_services.group_create(
        actor=None,
        organisation=westfield,
        facilitators=[morag, tom],
        programme=programme,
        name=GROUP_NAME,
        description="Monthly, face to face, facilitated by an independent practitioner.",
        group_type="reflective_practice",
        capacity=8,
        mode="in_person",
        meeting_link="",
        location="Education centre, room 2",
        recurrence="monthly",
        weekday=3,
        week_of_month=2,
        start_time=datetime.time(10),
        end_time=datetime.time(11, 30),
        starts_on=today - datetime.timedelta(days=110),
        ends_on=None,
        open_to_other_organisations=False,
        offer_hours=72,
        absence_threshold=2,
    )
    for member in members:
        group_services.membership_accept(
            actor=tom, membership=group_services.membership_request(actor=member, group=group)
        )
    past = [
        o for o in group_occurrences(group, group.starts_on, today) if o.ends_at < timezone.now()
    ]
    meetings = [
        GroupSession.objects.create(
            group=group, occurrence=o.date, starts_at=o.starts_at, ends_at=o.ends_at
        )
        for o in past[-3:]
    ]
    themes = {t.name: t for t in Theme.objects.filter(organisation=westfield)}
    for meeting, present in zip(meetings, PRESENT, strict=False):
        Attendance.objects.bulk_create(
            Attendance(session=meeting, user=m, status="present" if i < present else "apologies")
            for i, m in enumerate(members)
        )
        group_services.record_save(
            actor=morag,
            meeting=meeting,
            functions=[SupervisionFunction.RESTORATIVE],
            themes=[themes["Workload"]],
            notes="We talked about a hard month on the wards.",
            systemic_issues="Breaks and handovers; where to go for support.",
        )
    for index, (name, text, by_morag, released) in enumerate(THEMES):
        writer, agreer = (morag, tom) if by_morag else (tom, morag)
        meeting = meetings[min(index, len(meetings) - 1)]
        draft = theme_services.theme_draft(
            actor=writer, meeting=meeting, theme=themes[name], text=text
        )
        if released:
            theme_services.theme_release(actor=agreer, statement=draft)
    return logins
