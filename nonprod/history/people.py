"""Generated staff: who they are, their accounts and profiles, and the roles some take on."""

import datetime
import math

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

from kernel.models import Band, Profession, Role, RoleGrant, StaffProfile
from nonprod.demo import FIRST_NAMES, LAST_NAMES, NURSE_TITLES
from peergroups.models import PeerSupporterProfile

from .constants import BANDS, DAY, EMAIL, PROFESSIONS, SUPERVISOR_BANDS, SUPERVISOR_PROFESSIONS
from .plan import OrgPlan, Person, weighted
from .state import History


def _spec(h: History, org, number) -> Person:
    """Someone in a random department, with a profession and band to match."""
    rng = h.rng
    department = org.departments[rng.randrange(len(org.departments))]
    if "maternity" in department.name.lower() and rng.random() < 0.75:
        profession = Profession.MIDWIFE
    else:
        profession = weighted(rng, PROFESSIONS)
    band = weighted(rng, BANDS[profession])
    if profession == Profession.NURSE:
        title = NURSE_TITLES.get(band, "Lead nurse")
    else:
        title = str(Profession(profession).label)
    return Person(
        number=number,
        first=rng.choice(FIRST_NAMES),
        last=rng.choice(LAST_NAMES),
        department=department,
        profession=profession,
        band=band,
        title=title,
        mood=rng.gauss(0, 0.4),
    )


def _pick(h: History, people, wanted, suitable, make):
    """`wanted` people without a role who are `suitable`; others are made so."""
    rng = h.rng
    free = [p for p in people if not p.role and suitable(p)]
    spare = [p for p in people if not p.role and not suitable(p)]
    rng.shuffle(free)
    rng.shuffle(spare)
    for person in spare[: max(0, wanted - len(free))]:
        make(person)
        free.append(person)
    return free[:wanted]


def plan_people(h: History, org: OrgPlan) -> None:
    """The staff, a ward manager for each department, and who supervises, facilitates
    groups or gives peer support."""
    rng = h.rng
    people = [_spec(h, org, n) for n in range(1, org.staff + 1)]
    org.people = people
    managers = {}
    for person, department in zip(people, org.departments, strict=False):
        person.department, person.profession, person.band = department, Profession.NURSE, "8a"
        person.title, person.role = "Ward manager", "manager"
        managers[department.pk] = person
    for person in people:
        if not person.role and rng.random() < 0.85:
            person.manager = managers.get(person.department.pk)

    def senior_nurse(person):
        person.profession, person.band = Profession.NURSE, Band.BAND_7
        person.title = NURSE_TITLES[Band.BAND_7]

    for programme in org.programmes:
        eligible = sum(1 for p in people if not p.role and programme.eligible(p))
        wanted = max(1, math.ceil(eligible * programme.participation / 8.5))
        professions = programme.programme.eligible_professions or SUPERVISOR_PROFESSIONS
        chosen = _pick(
            h,
            people,
            wanted,
            lambda p, professions=professions: (
                p.band in SUPERVISOR_BANDS and p.profession in professions
            ),
            senior_nurse,
        )
        for person in chosen:
            person.role, person.supervises = "supervisor", programme
            if "PNA" in programme.programme.name:
                person.title = "Professional Nurse Advocate"
    if org.group_programme is not None and org.groups:
        wanted = math.ceil(org.groups * 0.9) + 1
        for person in _pick(
            h,
            people,
            wanted,
            lambda p: p.band in (Band.BAND_6, *SUPERVISOR_BANDS, Band.OTHER),
            senior_nurse,
        ):
            person.role = "facilitator"
    wanted = max(2, len(people) // 40)
    for person in _pick(h, people, wanted, lambda p: p.band in ("4", "5", "6", "7"), senior_nurse):
        person.role = "supporter"


def insert_people(h: History, org: OrgPlan) -> None:
    """Their accounts (no usable password) and staff profiles."""
    rng, slug = h.rng, org.organisation.slug
    joined = org.start - 60 * DAY
    User = get_user_model()
    users = h.writer.add(
        User,
        (
            User(
                email=EMAIL.format(p.number, slug),
                first_name=p.first,
                last_name=p.last,
                # Unusable, as for anyone invited who has not set a password yet.
                password=UNUSABLE_PASSWORD_PREFIX + "".join(rng.choices(h.alphabet, k=40)),
                date_joined=joined,
            )
            for p in org.people
        ),
    )
    for person, user in zip(org.people, users, strict=True):
        person.user_id = user.pk

    def profile(p):
        return StaffProfile(
            user_id=p.user_id,
            organisation=org.organisation,
            department=p.department,
            profession=p.profession,
            band=p.band,
            job_title=p.title,
            line_manager_id=p.manager.profile_id if p.manager else None,
            start_date=datetime.date(rng.randint(2004, 2025), rng.randint(1, 12), 1),
            created_at=joined,
        )

    # Managers first: everyone else points at them.
    for batch in ([p for p in org.people if p.role == "manager"], org.people):
        todo = [p for p in batch if not p.profile_id]
        for person, row in zip(todo, h.writer.add(StaffProfile, map(profile, todo)), strict=True):
            person.profile_id = row.pk


def grant_roles(h: History, org: OrgPlan) -> None:
    """Role grants, and peer supporters' profiles."""
    rng = h.rng
    roles = {"supervisor": Role.SUPERVISOR, "facilitator": Role.FACILITATOR}
    roles["supporter"] = Role.PEER_SUPPORTER
    granted = org.start - 45 * DAY
    h.writer.add(
        RoleGrant,
        (
            RoleGrant(
                user_id=p.user_id,
                organisation=org.organisation,
                role=roles[p.role],
                granted_at=granted,
            )
            for p in org.people
            if p.role in roles
        ),
    )
    org.facilitators = [p for p in org.people if p.role == "facilitator"]
    org.supporters = [p for p in org.people if p.role == "supporter"]
    h.writer.add(
        PeerSupporterProfile,
        (
            PeerSupporterProfile(
                user_id=p.user_id,
                capacity=3,
                trained_on=org.start.date() - datetime.timedelta(days=rng.randint(60, 700)),
                training="Peer support after adverse events (2 days)",
                refresher_due=org.start.date() + datetime.timedelta(days=rng.randint(400, 900)),
            )
            for p in org.supporters
        ),
    )
