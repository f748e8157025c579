"""The simulated users of `make bench`: real people of the generated organisations.

`manage.py generate_history` makes staff who have not set a password (as if
invited) and no programme admins or wellbeing leads. This bench-only step
(never run outside the `bench` database) chooses generated people for the
roles that exist — nurses with an active agreement, busy supervisors, group
facilitators — and adds one programme admin or wellbeing lead per simulated
admin or lead; it gives them all one password, a verified address (allauth
asks for one) and, for admins and leads, an authenticator app (they must have
one, accounts.middleware.RequireMFAMiddleware). Running it again reuses them.

Each simulated user then signs in through the real sign-in form, with a
two-factor code where the role needs one (bench/load.py).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from kernel.models import (
    Band,
    Department,
    Modality,
    Organisation,
    Profession,
    Programme,
    Role,
    RoleGrant,
    StaffProfile,
)
from nonprod.demo import LAST_NAMES
from nonprod.history import BENCH_SLUG
from peergroups.models import Group
from supervision.allowances import add_months
from supervision.models import Agreement, Session, SupervisorProfile, WeeklyAvailability

# Only ever set in the throwaway `bench` database.
PASSWORD = "bench-only-password-4dQ9xz"  # noqa: S105
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
MFA_BENCH_ROLES = {"lead": Role.WELLBEING_LEAD, "admin": Role.PROGRAMME_ADMIN}


@dataclass
class BenchUser:
    role: str
    email: str
    organisation: str
    totp_secret: str | None = None
    paths: dict[str, list[str]] = field(default_factory=dict)


def bench_organisations() -> list[Organisation]:
    found = list(Organisation.objects.filter(slug__startswith="generated-").order_by("slug"))
    return [o for o in found if o.slug == BENCH_SLUG.format(int(o.slug.rsplit("-", 1)[1]))]


def _spread(organisations, count) -> Iterator[tuple[int, Organisation]]:
    """`count` turns, round the organisations."""
    for n in range(count):
        yield n, organisations[n % len(organisations)]


def _nurses(organisations, count, taken) -> list[BenchUser]:
    now = timezone.now()
    offers_times = Exists(
        WeeklyAvailability.objects.filter(supervisor=OuterRef("supervisor")).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=now.date())
        )
    )
    chosen = []
    for _n, org in _spread(organisations, count):
        agreement = (
            Agreement.objects.active()
            .filter(
                offers_times,
                programme__organisation=org,
                programme__modality=Modality.ONE_TO_ONE,
                supervisee__is_active=True,
                supervisee__profile__profession=Profession.NURSE,
            )
            .exclude(supervisee_id__in=taken)
            .select_related("supervisee", "supervisor__supervisor_profile")
            .order_by("pk")
            .first()
        )
        taken.add(agreement.supervisee_id)
        supervisor_page = reverse(
            "supervision:supervisor", args=[agreement.supervisor.supervisor_profile.pk]
        )
        chosen.append(
            BenchUser(
                "nurse",
                agreement.supervisee.email,
                org.slug,
                paths={
                    "nurse_home": [reverse("supervision:home")],
                    "supervisors": [reverse("supervision:supervisors")],
                    "supervisor": [supervisor_page],
                    "booking": [reverse("supervision:agreement_book", args=[agreement.pk])],
                    "sessions": [reverse("supervision:sessions")],
                },
            )
        )
    return chosen


def _supervisors(organisations, count, taken) -> list[BenchUser]:
    now = timezone.now()
    chosen = []
    for _n, org in _spread(organisations, count):
        # The busiest supervisors, those with sessions still to log first.
        profile = (
            SupervisorProfile.objects.filter(user__profile__organisation=org, user__is_active=True)
            .exclude(user_id__in=taken)
            .annotate(
                to_log=Count(
                    "user__sessions_as_supervisor",
                    filter=Q(
                        user__sessions_as_supervisor__status=Session.Status.BOOKED,
                        user__sessions_as_supervisor__ends_at__lte=now,
                    ),
                ),
                sessions=Count("user__sessions_as_supervisor"),
            )
            .select_related("user")
            .order_by("-to_log", "-sessions", "pk")
            .first()
        )
        if profile is None:
            raise RuntimeError(f"{org.slug} has no supervisor left to play")
        taken.add(profile.user_id)
        chosen.append(
            BenchUser(
                "supervisor",
                profile.user.email,
                org.slug,
                paths={
                    "availability": [reverse("supervision:availability")],
                    "supervisor_sessions": [reverse("supervision:sessions")],
                    "unlogged": [reverse("supervision:sessions_unlogged")],
                },
            )
        )
    return chosen


def _facilitators(organisations, count, taken) -> list[BenchUser]:
    chosen = []
    for _n, org in _spread(organisations, count):
        group = (
            Group.objects.filter(organisation=org, is_active=True)
            .annotate(members=Count("memberships"))
            .exclude(facilitators__in=taken)
            .order_by("-members", "pk")
            .first()
        )
        facilitator = group.facilitators.order_by("pk").first() if group else None
        if group is None or facilitator is None:
            raise RuntimeError(f"{org.slug} has no group with a facilitator left to play")
        taken.add(facilitator.pk)
        chosen.append(
            BenchUser(
                "facilitator",
                facilitator.email,
                org.slug,
                paths={"group": [reverse("peergroups:group", args=[group.pk])]},
            )
        )
    return chosen


def _report_paths(org, n) -> list[str]:
    """The report as a lead uses it: a year, then narrowed by each filter in turn."""
    this_month = timezone.localdate().replace(day=1)
    year = {
        "organisation": org.pk,
        "first_month": add_months(this_month, -12).strftime("%Y-%m"),
        "last_month": add_months(this_month, -1).strftime("%Y-%m"),
    }
    departments = list(Department.objects.filter(organisation=org).order_by("pk"))
    programme = (
        Programme.objects.filter(organisation=org, modality=Modality.ONE_TO_ONE)
        .order_by("pk")
        .first()
    )
    if programme is None:
        raise RuntimeError(f"{org.slug} has no one-to-one programme to filter by")
    filters = [
        {},
        {"department": departments[n % len(departments)].pk},
        {"band": Band.BAND_6},
        {"profession": Profession.NURSE},
        {"programme": programme.pk},
    ]
    base = reverse("reports:engagement")
    return [f"{base}?{urlencode({**year, **extra})}" for extra in filters]


def _people_paths(org, n) -> list[str]:
    department = Department.objects.filter(organisation=org).order_by("pk")[n % 10]
    base = reverse("supervision:people")
    return [
        base,
        f"{base}?page={5 + n}",
        f"{base}?{urlencode({'q': LAST_NAMES[n % len(LAST_NAMES)]})}",
        f"{base}?{urlencode({'department': department.pk})}",
        f"{base}?{urlencode({'role': Role.SUPERVISOR})}",
    ]


def _mfa_role_holders(organisations, role, count) -> list[BenchUser]:
    User = get_user_model()
    chosen = []
    for n, org in _spread(organisations, count):
        email = f"bench-{role}-{n + 1:02d}@{org.slug}.example"
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": "Bench", "last_name": f"{role.title()} {n + 1}"}
        )
        if created:
            StaffProfile.objects.create(
                user=user,
                organisation=org,
                department=Department.objects.filter(organisation=org).order_by("pk").first(),
                profession=Profession.NURSE,
                band=Band.BAND_8A,
                job_title="Wellbeing lead" if role == "lead" else "Programme admin",
            )
            RoleGrant.objects.create(user=user, organisation=org, role=MFA_BENCH_ROLES[role])
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, TOTP_SECRET)
        paths = (
            {"report": _report_paths(org, n)}
            if role == "lead"
            else {"people": _people_paths(org, n)}
        )
        chosen.append(BenchUser(role, email, org.slug, TOTP_SECRET, paths))
    return chosen


@transaction.atomic
def prepare(shares: dict[str, int]) -> list[BenchUser]:
    """One bench user per simulated user, `shares[role]` of each role, ready to sign in."""
    organisations = bench_organisations()
    if not organisations:
        raise RuntimeError("No generated organisations: run manage.py generate_history first.")
    taken: set[int] = set()
    users = [
        *_nurses(organisations, shares.get("nurse", 0), taken),
        *_supervisors(organisations, shares.get("supervisor", 0), taken),
        *_facilitators(organisations, shares.get("facilitator", 0), taken),
        *_mfa_role_holders(organisations, "lead", shares.get("lead", 0)),
        *_mfa_role_holders(organisations, "admin", shares.get("admin", 0)),
    ]
    User = get_user_model()
    people = User.objects.filter(email__in=[u.email for u in users])
    people.update(password=make_password(PASSWORD))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in people],
        ignore_conflicts=True,
    )
    return users
