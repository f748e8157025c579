"""A realistic demo organisation, created through the same services as the app.

Idempotent: people are found by email and organisations by slug, so running
it twice changes nothing.
"""

import datetime
import random
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kernel.models import (
    DEFAULT_THEMES,
    Band,
    Department,
    Grade,
    Organisation,
    PeriodKind,
    Profession,
    Programme,
    Role,
    StaffProfile,
    Theme,
)
from supervision.models import SupervisorProfile, TrainingRecord, WeeklyAvailability
from supervision.services.people import role_grant, staff_invite
from supervision.standards import financial_year

from .demo_community import load_learning_community
from .demo_peer_support import load_peer_support_after_harm

DEMO_PASSWORD = "supervision-demo-2026"  # noqa: S105 - printed for the demo logins
# The authenticator-app key of the demo programme admins and wellbeing lead,
# who must use two-factor authentication: add it to an authenticator app (as a
# "setup key", time-based) to get their codes. Printed with the demo logins.
DEMO_TOTP_SECRET = "KRUGS4ZANFZSAYJAMRSW23ZAONSWG4TF"  # noqa: S105 - public demo key


@dataclass(frozen=True)
class DemoPerson:
    first: str
    last: str
    org: str
    department: str
    profession: str
    band: str
    title: str
    roles: tuple[str, ...] = ()
    login_for: str = ""  # the role this person demonstrates, for the printed list
    grade: str = ""  # doctors only


ORGANISATIONS = {
    "westfield": (
        "Westfield Hospitals NHS Trust",
        [
            "Ward 7 (Acute medicine)",
            "Ward 12 (Surgery)",
            "Emergency department",
            "Maternity",
            "Critical care",
            "Children's ward",
        ],
    ),
    "northgate": (
        "Northgate Community Health",
        ["District nursing", "Community mental health", "Rapid response"],
    ),
}

KEY_PEOPLE = [
    DemoPerson(
        "Amara",
        "Okafor",
        "westfield",
        "Ward 7 (Acute medicine)",
        Profession.NURSE,
        Band.BAND_7,
        "Ward sister",
        login_for="Staff member (supervisee)",
    ),
    DemoPerson(
        "Ife",
        "Adebayo",
        "westfield",
        "Emergency department",
        Profession.DOCTOR,
        Band.OTHER,
        "Foundation doctor (FY2)",
        login_for="Junior doctor",
        grade=Grade.FY2,
    ),
    DemoPerson(
        "Chidi",
        "Obi",
        "westfield",
        "Ward 12 (Surgery)",
        Profession.NURSE,
        Band.BAND_7,
        "Senior charge nurse",
    ),
    DemoPerson(
        "Jordan",
        "Lee",
        "westfield",
        "Ward 7 (Acute medicine)",
        Profession.NURSE,
        Band.BAND_5,
        "Staff nurse",
        login_for="Staff member, band 5 (PNA route)",
    ),
    DemoPerson(
        "Helen",
        "Marsh",
        "westfield",
        "Critical care",
        Profession.NURSE,
        Band.BAND_8A,
        "Professional Nurse Advocate",
        (Role.SUPERVISOR,),
        login_for="Supervisor",
    ),
    DemoPerson(
        "Tom",
        "Fletcher",
        "westfield",
        "Emergency department",
        Profession.DOCTOR,
        Band.OTHER,
        "Specialty trainee (ST4)",
        (Role.FACILITATOR,),
        login_for="Group facilitator",
        grade=Grade.ST3_PLUS,
    ),
    DemoPerson(
        "Priya",
        "Raman",
        "westfield",
        "Children's ward",
        Profession.DOCTOR,
        Band.OTHER,
        "Specialty trainee (ST5)",
        (Role.FACILITATOR,),
        grade=Grade.ST3_PLUS,
    ),
    DemoPerson(
        "Grace",
        "Adeyemi",
        "westfield",
        "Maternity",
        Profession.MIDWIFE,
        Band.BAND_6,
        "Midwife",
        (Role.PEER_SUPPORTER,),
        login_for="Peer supporter",
    ),
    DemoPerson(
        "Sam",
        "Whitaker",
        "westfield",
        "Ward 12 (Surgery)",
        Profession.NURSE,
        Band.BAND_8B,
        "Lead nurse, education",
        (Role.PROGRAMME_ADMIN,),
        login_for="Programme admin",
    ),
    DemoPerson(
        "Ruth",
        "Ellison",
        "westfield",
        "Critical care",
        Profession.PSYCHOLOGIST,
        Band.BAND_8C,
        "Staff wellbeing lead",
        (Role.WELLBEING_LEAD,),
        login_for="Wellbeing lead",
    ),
    DemoPerson(
        "Daniel",
        "Moss",
        "westfield",
        "Ward 12 (Surgery)",
        Profession.NURSE,
        Band.BAND_7,
        "Charge nurse",
        (Role.SUPERVISOR,),
    ),
    DemoPerson(
        "Fiona",
        "Kerr",
        "westfield",
        "Emergency department",
        Profession.NURSE,
        Band.BAND_8A,
        "Matron",
        (Role.SUPERVISOR,),
    ),
    DemoPerson(
        "Kwame",
        "Boateng",
        "westfield",
        "Ward 7 (Acute medicine)",
        Profession.NURSE,
        Band.BAND_6,
        "Staff nurse",
        (Role.PEER_SUPPORTER,),
    ),
    DemoPerson(
        "Joanna",
        "Price",
        "northgate",
        "District nursing",
        Profession.NURSE,
        Band.BAND_8A,
        "Head of nursing",
        (Role.PROGRAMME_ADMIN, Role.SUPERVISOR),
        login_for="Programme admin of another organisation",
    ),
    DemoPerson(
        "Owen",
        "Pritchard",
        "northgate",
        "Community mental health",
        Profession.NURSE,
        Band.BAND_7,
        "Team leader",
        (Role.SUPERVISOR,),
    ),
    DemoPerson(
        "Leah",
        "Carter",
        "northgate",
        "Rapid response",
        Profession.AHP,
        Band.BAND_6,
        "Occupational therapist",
        (Role.PEER_SUPPORTER,),
    ),
    DemoPerson(
        "Marcus",
        "Reid",
        "westfield",
        "Emergency department",
        Profession.DOCTOR,
        Band.OTHER,
        "Consultant in emergency medicine",
        login_for="Consultant (not a junior doctor)",
        grade=Grade.CONSULTANT,
    ),
]

FIRST_NAMES = [
    "Aisha",
    "Ben",
    "Chloe",
    "David",
    "Ella",
    "Femi",
    "Georgia",
    "Harry",
    "Isla",
    "Jack",
    "Kiran",
    "Lucy",
    "Mohammed",
    "Nadia",
    "Oliver",
    "Poppy",
    "Rhys",
    "Sofia",
    "Theo",
    "Uma",
    "Victor",
    "Wendy",
    "Yusuf",
    "Zara",
    "Alfie",
    "Bethan",
    "Callum",
    "Deepa",
    "Ethan",
    "Farah",
]
LAST_NAMES = [
    "Ahmed",
    "Brown",
    "Campbell",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Taylor",
    "Usman",
    "Vaughan",
    "Walker",
    "Young",
]
NURSE_TITLES = {
    Band.BAND_5: "Staff nurse",
    Band.BAND_6: "Senior staff nurse",
    Band.BAND_7: "Ward sister",
    Band.BAND_8A: "Matron",
}


def _email(person: DemoPerson) -> str:
    last = person.last.lower().replace("'", "")
    return f"{person.first.lower()}.{last}@{person.org}.example"


def _generated_people(count: int) -> list[DemoPerson]:
    rng = random.Random(2026)  # noqa: S311 - demo names, not security
    people: list[DemoPerson] = []
    seen: set[tuple[str, str]] = set()
    bands = [Band.BAND_5] * 5 + [Band.BAND_6] * 4 + [Band.BAND_7] * 2 + [Band.BAND_8A]
    while len(people) < count:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if (first, last) in seen:
            continue
        seen.add((first, last))
        org = "westfield" if len(people) % 4 else "northgate"
        band = rng.choice(bands)
        profession = rng.choice([Profession.NURSE] * 6 + [Profession.MIDWIFE, Profession.AHP])
        title = NURSE_TITLES[band] if profession == Profession.NURSE else str(profession.label)
        department = rng.choice(ORGANISATIONS[org][1])
        people.append(DemoPerson(first, last, org, department, profession, band, title))
    return people


@transaction.atomic
def load_demo_data(*, generated: int = 30) -> list[tuple[str, str]]:
    """Create the demo organisations and people; returns (role, email) of the demo logins."""
    User = get_user_model()
    organisations, departments = {}, {}
    for slug, (name, department_names) in ORGANISATIONS.items():
        organisation, _ = Organisation.objects.get_or_create(slug=slug, defaults={"name": name})
        organisations[slug] = organisation
        for department_name in department_names:
            departments[slug, department_name], _ = Department.objects.get_or_create(
                organisation=organisation, name=department_name
            )

    managers: dict[str, StaffProfile] = {}
    logins = []
    for index, person in enumerate(KEY_PEOPLE + _generated_people(generated)):
        email = _email(person)
        profile = StaffProfile.objects.filter(user__email=email).first()
        if profile is None:
            profile = staff_invite(
                actor=None,
                organisation=organisations[person.org],
                email=email,
                first_name=person.first,
                last_name=person.last,
                department=departments[person.org, person.department],
                profession=person.profession,
                band=person.band,
                grade=person.grade,
                job_title=person.title,
                line_manager=managers.get(person.org) if index > 2 else None,
                start_date=datetime.date(2018 + index % 7, 1 + index % 12, 1),
                send_invitation=False,
            )
            ready_to_sign_in(profile.user)
        for role in person.roles:
            role_grant(actor=None, user=profile.user, organisation=profile.organisation, role=role)
        if {Role.PROGRAMME_ADMIN, Role.WELLBEING_LEAD} & set(person.roles):
            _add_demo_authenticator_app(profile.user)
        if Role.PROGRAMME_ADMIN in person.roles:
            managers.setdefault(person.org, profile)
        if person.login_for:
            logins.append((person.login_for, email))
    # The external facilitator of seed 004's reflective groups works for Northgate
    # but facilitates at Westfield too: roles are per organisation.
    tom = User.objects.get(email="tom.fletcher@westfield.example")
    role_grant(actor=None, user=tom, organisation=organisations["northgate"], role=Role.FACILITATOR)
    _load_programmes(organisations)
    _load_sessions(organisations["westfield"])
    _load_supervision_standard(organisations["westfield"])
    _load_groups_and_peer_support(organisations)
    load_peer_support_after_harm(organisations)
    load_learning_community(organisations)
    logins += _load_seed004(organisations["westfield"])
    from .demo_groups import load_group_examples

    load_group_examples(organisations["westfield"])
    from .impact import load_junior_doctors_group

    load_junior_doctors_group(organisations["westfield"])
    # Some examples are dated with update(), past the signals that keep the report's
    # roll-ups: work them out again from everything the demo wrote.
    from reports.services import rebuild_rollups

    rebuild_rollups()
    return logins


def _load_seed004(westfield) -> list[tuple[str, str]]:
    """Seed 004: reflective practice with an external facilitator and released themes."""
    from .seed004 import load_seed004

    programme = Programme.objects.get(
        organisation=westfield, name="Reflective practice and peer support groups"
    )
    return load_seed004(westfield, programme, password=DEMO_PASSWORD)


def ready_to_sign_in(user) -> None:
    """The demo password, and the email address verified: the person can sign in."""
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def _add_demo_authenticator_app(user) -> None:
    """Two-factor authentication with the published demo key, as the role requires."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)


def _load_groups_and_peer_support(organisations) -> None:
    """Seeds 000, 001, 003 and 004 in the demo: groups, peer supporters, resources.

    The reflective practice group is full, with nobody waiting, so a demo nurse
    can ask to join and land on the waiting list.
    """
    from kernel.models import Modality
    from peergroups.models import Group, PeerSupporterProfile, Resource
    from peergroups.services.groups import group_create, membership_accept, membership_request

    User = get_user_model()
    westfield = organisations["westfield"]
    if Group.objects.filter(organisation=westfield).exists():
        return
    groups_programme, _ = Programme.objects.get_or_create(
        organisation=westfield,
        name="Reflective practice and peer support groups",
        defaults={
            "description": "Monthly facilitated groups of at most eight, face to face or online.",
            "modality": Modality.GROUP,
            "period_kind": PeriodKind.ROLLING,
        },
    )
    tom = User.objects.get(email="tom.fletcher@westfield.example")
    priya = User.objects.get(email="priya.raman@westfield.example")
    helen = User.objects.get(email="helen.marsh@westfield.example")
    role_grant(actor=None, user=helen, organisation=westfield, role=Role.FACILITATOR)
    today = timezone.localdate()
    common = {
        "programme": groups_programme,
        "description": "",
        "mode": "online",
        "location": "",
        "starts_on": today,
        "ends_on": None,
        "offer_hours": 72,
        "absence_threshold": 2,
    }

    def group(name, group_type, facilitators, weekday, week, hour, members=(), **extra):
        created = group_create(
            actor=None,
            organisation=westfield,
            facilitators=facilitators,
            **{
                **common,
                "name": name,
                "group_type": group_type,
                "capacity": 8,
                "meeting_link": f"https://teams.microsoft.com/l/meetup-join/demo-group-{weekday}{week}",
                "recurrence": "monthly",
                "weekday": weekday,
                "week_of_month": week,
                "start_time": datetime.time(hour, 0),
                "end_time": datetime.time(hour + 1, 30),
                "open_to_other_organisations": extra.get("open", False),
            },
        )
        for member in members:
            membership_accept(
                actor=facilitators[0],
                membership=membership_request(actor=member, group=created),
            )
        return created

    staff = list(
        StaffProfile.objects.filter(organisation=westfield, user__is_active=True)
        .exclude(user__in=[tom, priya, helen])
        .exclude(
            user__email__in=["amara.okafor@westfield.example", "ife.adebayo@westfield.example"]
        )
        .filter(band__in=[Band.BAND_5, Band.BAND_6, Band.BAND_7])
        .select_related("user")
        .order_by("user__email")
    )
    group(
        "Tuesday reflective practice group",
        "reflective_practice",
        [tom, priya],
        weekday=1,
        week=2,
        hour=14,
        members=[profile.user for profile in staff[:8]],
        open=True,
    )
    group(
        "Preceptorship group",
        "preceptorship",
        [priya],
        weekday=3,
        week=1,
        hour=10,
        members=[profile.user for profile in staff[8:12]],
    )
    # Seed 003: the facilitators receive supervision themselves.
    group(
        "Facilitators' supervision group",
        "facilitators",
        [helen],
        weekday=4,
        week=3,
        hour=12,
        members=[tom, priya],
    )
    # Seed 001: a reflective group for the peer supporters.
    supporters = [
        User.objects.get(email=e)
        for e in ("grace.adeyemi@westfield.example", "kwame.boateng@westfield.example")
    ]
    group(
        "Peer supporters' reflective group",
        "peer_support",
        [tom],
        weekday=2,
        week=4,
        hour=16,
        members=supporters,
    )

    for email, course in (
        ("grace.adeyemi@westfield.example", "Peer support after adverse events (2 days)"),
        ("kwame.boateng@westfield.example", "TRiM practitioner"),
        ("leah.carter@northgate.example", "Peer support after adverse events (2 days)"),
    ):
        PeerSupporterProfile.objects.get_or_create(
            user=User.objects.get(email=email),
            defaults={
                "trained_on": datetime.date(2025, 3, 1),
                "training": course,
                "refresher_due": datetime.date(2027, 3, 1),
            },
        )
    for title, link, audience, category in (
        (
            "Supporting a colleague after an adverse event",
            "https://www.england.nhs.uk/patient-safety/",
            "supporters",
            "Guides",
        ),
        (
            "Trauma risk management (TRiM): what a check-in looks like",
            "https://www.england.nhs.uk/supporting-our-nhs-people/",
            "supporters",
            "Guides",
        ),
        (
            "Employee assistance programme: 24-hour confidential support",
            "https://www.nhs.uk/mental-health/",
            "everyone",
            "Where to get help",
        ),
        (
            "Running a reflective practice group",
            "https://www.england.nhs.uk/nursingmidwifery/",
            "facilitators",
            "Facilitation",
        ),
    ):
        Resource.objects.get_or_create(
            organisation=westfield,
            title=title,
            defaults={"link": link, "audience": audience, "category": category},
        )


def _load_sessions(westfield) -> None:
    """A supervision pair with a session coming up and one not yet logged.

    Their reminders, feedback prompt and log nudges are planned in the outbox
    like any others, so `make run` shows the notification pipeline at work.
    """
    from supervision.availability import free_slots
    from supervision.models import Agreement, Session
    from supervision.notifications import (
        plan_follow_ups,
        schedule_allowance_nudges,
        schedule_wellbeing_digests,
    )
    from supervision.services.scheduling import commitments_reserve
    from supervision.services.sessions import session_book

    supervisor = get_user_model().objects.get(email="daniel.moss@westfield.example")
    supervisee = StaffProfile.objects.filter(user__email="chidi.obi@westfield.example").first()
    programme = Programme.objects.get(organisation=westfield, name__startswith="Band 7 and 8")
    if supervisee is None or Agreement.objects.filter(supervisor=supervisor).exists():
        return
    now = timezone.now()
    agreement = _demo_agreement(programme, supervisor, supervisee.user, started_days_ago=60)
    # Three weeks ago, the session happened but is not logged yet.
    start = (now - datetime.timedelta(days=21)).replace(minute=0, second=0, microsecond=0)
    past = Session.objects.create(
        programme=programme,
        agreement=agreement,
        supervisor=supervisor,
        supervisee=supervisee.user,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        meeting_link=supervisor.supervisor_profile.meeting_link,
    )
    commitments_reserve(
        user_ids=[supervisor.pk, supervisee.user_id],
        starts_at=past.starts_at,
        ends_at=past.ends_at,
        session=past,
    )
    plan_follow_ups(past, now)
    slots = free_slots(supervisor=supervisor, programme=programme, supervisee=supervisee.user)
    if slots:
        session_book(
            actor=supervisee.user,
            programme=programme,
            supervisor=supervisor,
            agreement=agreement,
            starts_at=slots[0].starts_at,
        )
    schedule_allowance_nudges()
    schedule_wellbeing_digests()
    from feedback.notifications_wellbeing import schedule_wellbeing_prompts

    schedule_wellbeing_prompts()


def _demo_agreement(programme, supervisor, supervisee, *, started_days_ago: int):
    """An agreement both accepted, started some days ago, to be reviewed in 300 days."""
    from supervision.models import Agreement

    now = timezone.now()
    return Agreement.objects.create(
        programme=programme,
        supervisor=supervisor,
        supervisee=supervisee,
        start_date=timezone.localdate() - datetime.timedelta(days=started_days_ago),
        review_date=timezone.localdate() + datetime.timedelta(days=300),
        supervisor_accepted_at=now,
        supervisee_accepted_at=now,
    )


def _load_supervision_standard(westfield) -> None:
    """Issue 18: the Band 7 and 8 programme asks for supervision at least every 8 weeks.

    Its nurses who have had none are overdue; one had a session seven weeks ago
    and is due within the fortnight (and is reminded, in the app).
    """
    from kernel.models import StandardKind, SupervisionFunction
    from supervision.models import Agreement, Session, SessionRecord
    from supervision.notifications_standards import schedule_standard_reminders

    programme = Programme.objects.get(organisation=westfield, name__startswith="Band 7 and 8")
    # Adopted six months ago: those with no session since are overdue for about four months.
    Programme.objects.filter(pk=programme.pk).update(
        standard_kind=StandardKind.EVERY_WEEKS,
        standard_weeks=8,
        standard_counts_groups=True,
        standard_from=timezone.localdate() - datetime.timedelta(days=182),
    )
    supervisor = get_user_model().objects.get(email="fiona.kerr@westfield.example")
    key_people = [_email(person) for person in KEY_PEOPLE]
    nurse = (
        StaffProfile.objects.filter(
            organisation=westfield,
            band__in=programme.eligible_bands,
            profession__in=programme.eligible_professions,
        )
        .exclude(user__email__in=key_people)
        .order_by("user__email")
        .first()
    )
    if nurse is None or Agreement.objects.filter(supervisor=supervisor).exists():
        return
    now = timezone.now()
    agreement = _demo_agreement(programme, supervisor, nurse.user, started_days_ago=70)
    start = (now - datetime.timedelta(weeks=7)).replace(minute=0, second=0, microsecond=0)
    session = Session.objects.create(
        programme=programme,
        agreement=agreement,
        supervisor=supervisor,
        supervisee=nurse.user,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        status=Session.Status.ATTENDED,
        meeting_link=supervisor.supervisor_profile.meeting_link,
    )
    SessionRecord.objects.create(
        session=session,
        actual_minutes=60,
        functions=[SupervisionFunction.RESTORATIVE, SupervisionFunction.FORMATIVE],
        logged_by=supervisor,
        supervisee_confirmed_at=start + datetime.timedelta(days=1),
    )
    schedule_standard_reminders(now)


def _load_programmes(organisations) -> None:
    """Seed 002's programmes at Westfield, a rolling one at Northgate, supervisors, themes."""
    westfield, northgate = organisations["westfield"], organisations["northgate"]
    start, end = financial_year(timezone.localdate())  # seed 002's allowance year
    pna, _ = Programme.objects.get_or_create(
        organisation=westfield,
        name="Professional Nurse Advocate (PNA) programme",
        defaults={
            "description": "Restorative clinical supervision for Band 5 and 6 nurses, "
            "delivered by Professional Nurse Advocates online via MS Teams.",
            "eligible_everyone": False,
            "eligible_bands": [Band.BAND_5, Band.BAND_6],
            "eligible_professions": [Profession.NURSE, Profession.MIDWIFE],
            "allowance_sessions": 4,
            "period_kind": PeriodKind.ROLLING,
        },
    )
    senior, _ = Programme.objects.get_or_create(
        organisation=westfield,
        name="Band 7 and 8 one-to-one supervision",
        defaults={
            "description": "Two one-hour one-to-one sessions each until 31 March, online via "
            "MS Teams: a 12-month quality-improvement project.",
            "eligible_everyone": False,
            "eligible_bands": [Band.BAND_7, Band.BAND_8A, Band.BAND_8B, Band.BAND_8C, Band.BAND_8D],
            "eligible_professions": [Profession.NURSE, Profession.MIDWIFE],
            "not_eligible_message": "Band 5 and 6 staff reach supervision through the "
            "Professional Nurse Advocate (PNA) programme.",
            "alternative": pna,
            # A Band 8c psychologist is excluded by profession, not band: told where
            # their supervision comes from, never sent to the Band 5-6 PNA route.
            "profession_message": "This programme is for nurses and midwives. "
            "Psychologists and allied health professionals have clinical supervision "
            "through their own professional lead; ask your line manager who that is.",
            "allowance_sessions": 2,
            "session_minutes": 60,
            "period_kind": PeriodKind.FIXED,
            "period_start": start,
            "period_end": end,
        },
    )
    community, _ = Programme.objects.get_or_create(
        organisation=northgate,
        name="Clinical supervision for community teams",
        defaults={
            "description": "Open to everyone at Northgate; book a first session with any "
            "supervisor who has space.",
            "allowance_sessions": 6,
            "period_kind": PeriodKind.ROLLING,
            "allow_booking_without_agreement": True,
        },
    )
    for organisation in (westfield, northgate):
        for name in DEFAULT_THEMES:
            Theme.objects.get_or_create(organisation=organisation, name=name)

    teams = "https://teams.microsoft.com/l/meetup-join/demo-{}"
    supervisors = [
        ("helen.marsh@westfield.example", [senior, pna], [(1, 14), (3, 10)], "pna"),
        ("daniel.moss@westfield.example", [senior], [(2, 9)], "restorative"),
        ("fiona.kerr@westfield.example", [senior, pna], [(4, 13)], "pna"),
        ("joanna.price@northgate.example", [community], [(0, 15)], "clinical_supervision"),
        ("owen.pritchard@northgate.example", [community], [(2, 11)], "restorative"),
    ]
    for email, programmes, windows, training in supervisors:
        user = get_user_model().objects.get(email=email)
        profile, created = SupervisorProfile.objects.get_or_create(
            user=user,
            defaults={"meeting_link": teams.format(user.pk), "capacity": 6},
        )
        profile.programmes.add(*programmes)
        if created:
            TrainingRecord.objects.create(
                supervisor=profile, kind=training, completed_on=datetime.date(2024, 3, 1)
            )
            for weekday, hour in windows:
                WeeklyAvailability.objects.create(
                    supervisor=user,
                    weekday=weekday,
                    start_time=datetime.time(hour, 0),
                    end_time=datetime.time(hour + 2, 0),
                    valid_from=start,
                    meeting_link=profile.meeting_link,
                )
