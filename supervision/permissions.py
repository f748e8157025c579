"""Who may see and change what in the supervision app. Views fetch through here.

Rules: an object outside the user's scope answers 404 (so its existence never
leaks); an object in scope that the user may read but not change answers 403.
"""

import datetime
from functools import partial

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.http import Http404

from kernel.models import Modality, Programme, Role
from kernel.permissions import (
    get_own_profile,
    organisations_where,
    programmes_managed_by,
    refusals_fetched,
)
from kernel.prepared import PreparedForIds, PreparedPages, PreparedQuery, Shapes

from .availability import weekly_windows
from .models import (
    Agreement,
    AllowanceExtra,
    AvailabilityException,
    AvailabilitySlot,
    Session,
    SessionRecord,
    StaffImport,
    SupervisorProfile,
    TrainingRecord,
    WeeklyAvailability,
)

# --- Supervisors' own set-up --------------------------------------------------

AVAILABILITY_KINDS: dict[
    str, type[AvailabilitySlot] | type[WeeklyAvailability] | type[AvailabilityException]
] = {
    "slot": AvailabilitySlot,
    "weekly": WeeklyAvailability,
    "away": AvailabilityException,
}


def availability_of(user, kind: str):
    """The user's own availability entries of one kind ("slot", "weekly" or "away")."""
    return AVAILABILITY_KINDS[kind].objects.filter(supervisor=user)


def get_availability_for_user(user, kind: str, pk: int):
    """One of the user's own availability entries; 404 for anyone else's."""
    model = AVAILABILITY_KINDS.get(kind)
    if model is None:
        raise Http404
    try:
        return availability_of(user, kind).get(pk=pk)
    except model.DoesNotExist:
        raise Http404 from None


def supervisor_profile_of(user):
    """The user's own supervisor profile, as a queryset (empty until they set one up)."""
    return SupervisorProfile.objects.filter(user=user)


def programmes_supervised_by(user):
    """Active programmes the user supervises in, whichever organisation runs them."""
    return Programme.objects.filter(supervisors__user=user, is_active=True)


# A supervisor's availability page: the same queries on every view, their SQL built
# once per process (kernel/prepared.py).
_first_one_to_one_of = PreparedQuery(
    lambda user_id: (
        programmes_supervised_by(user_id)
        .filter(modality=Modality.ONE_TO_ONE)
        .select_related("organisation")
        .order_by("name")[:1]
    )
)
_slots_ahead_of = PreparedQuery(
    lambda user_id, now: availability_of(user_id, "slot").filter(ends_at__gt=now),
    types=(int, datetime.datetime),
)
_away_ahead_of = PreparedQuery(
    lambda user_id, now: availability_of(user_id, "away").filter(ends_at__gt=now),
    types=(int, datetime.datetime),
)


def first_one_to_one_programme_of(user) -> Programme | None:
    """The first, by name, of the one-to-one programmes the user supervises in."""
    found = _first_one_to_one_of(user.pk)
    return found[0] if found else None


def availability_ahead_of(user, now) -> tuple[list, list, list]:
    """The user's own one-off times and time away that have not ended by `now`, and
    all their weekly windows: (slots, weekly, away)."""
    return (
        _slots_ahead_of(user.pk, now),
        weekly_windows(user.pk),
        _away_ahead_of(user.pk, now),
    )


def get_training_for_user(user, pk: int) -> TrainingRecord:
    try:
        return TrainingRecord.objects.get(pk=pk, supervisor__user=user)
    except TrainingRecord.DoesNotExist:
        raise Http404 from None


# --- Staff: programmes, supervisors, agreements and sessions -------------------


def supervisors_visible_to(user):
    """Supervisor profiles of people who supervise in the user's organisation's programmes."""
    profile = get_own_profile(user)
    if profile is None:
        return SupervisorProfile.objects.none()
    return _supervisors_in(profile.organisation_id)


def _supervisors_in(organisation_id):
    """Supervisor profiles of people who supervise in the organisation's active programmes."""
    # EXISTS rather than a join and DISTINCT: each supervisor once, and a
    # directory page can be read off the ordering without de-duplicating them all.
    supervises_here = SupervisorProfile.programmes.through.objects.filter(
        supervisorprofile=OuterRef("pk"),
        programme__organisation_id=organisation_id,
        programme__is_active=True,
    )
    return SupervisorProfile.objects.filter(Exists(supervises_here))


# What the directory's cards show (templates/supervision/supervisors/list.html).
DIRECTORY_FIELDS = (
    "mode",
    "meeting_link",
    "capacity",
    "accepting_new",
    "user__first_name",
    "user__last_name",
    "user__profile__job_title",
    "user__profile__department__name",
)


def _directory(organisation_id: int, now, today):
    """The organisation's supervisors (supervisors_visible_to's rule) with what the
    directory shows of each: `current`,
    their active agreements; `offers_times`, whether they offer any time after `now`
    (a window still valid on `today`, now's date in UTC);
    their name, job and department (with_directory_names adds their programmes and
    training to a page of them).
    Only those columns: a supervisor with their account, staff profile and
    department is 50 columns, each programme 60, and Django builds each one."""
    # Subqueries, not a join and GROUP BY: the page's 25 rows are found by the
    # ordering alone and the count leaves them out.
    current = (
        Agreement.objects.filter(supervisor=OuterRef("user"), ended_at__isnull=True)
        .order_by()
        .values("supervisor")
        .annotate(n=Count("pk"))
        .values("n")
    )
    slots = AvailabilitySlot.objects.filter(supervisor=OuterRef("user"), starts_at__gt=now)
    weekly = WeeklyAvailability.objects.filter(supervisor=OuterRef("user")).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    # "Is there a first one", not EXISTS: PostgreSQL may answer an EXISTS in the
    # select list by hashing every window of every organisation once (as it
    # expects to run it for all the organisation's supervisors, not the page's
    # 25), which at 100,000 staff read 30,000 windows per page. A scalar subquery
    # is never hashed, so each row looks up its own windows by the supervisor
    # index and stops at the first (bench/directories.py).
    return (
        _supervisors_in(organisation_id)
        .annotate(
            current=Coalesce(Subquery(current), 0),
            offers_times=IsNull(Subquery(slots.order_by().values("pk")[:1]), False)
            | IsNull(Subquery(weekly.order_by().values("pk")[:1]), False),
        )
        .select_related("user__profile__department")
        .only(*DIRECTORY_FIELDS)
    )


# The names a directory card shows of each supervisor's programmes and training: a
# query each for a page of them, built once for each number of supervisors.
_programme_names_of = PreparedForIds(
    lambda ids: (
        SupervisorProfile.programmes.through.objects.filter(supervisorprofile_id__in=ids)
        .order_by("programme__name", "programme_id")
        .values_list("supervisorprofile_id", "programme__name")
    )
)
_training_kinds_of = PreparedForIds(
    lambda ids: (
        TrainingRecord.objects.filter(supervisor_id__in=ids)
        .order_by("-completed_on", "pk")
        .values_list("supervisor_id", "kind")
    )
)


def with_directory_names(supervisors: list) -> list:
    """Each supervisor with `programme_names` ("A; B", every programme they are in, by
    name) and `training_names` ("PNA, Restorative supervision", latest first)."""
    ids = [supervisor.pk for supervisor in supervisors]
    programmes: dict[int, list[str]] = {}
    for supervisor_id, name in _programme_names_of(ids):
        programmes.setdefault(supervisor_id, []).append(name)
    labels = dict(TrainingRecord.Kind.choices)
    training: dict[int, list[str]] = {}
    for supervisor_id, kind in _training_kinds_of(ids):
        training.setdefault(supervisor_id, []).append(str(labels.get(kind, kind)))
    for supervisor in supervisors:
        supervisor.programme_names = "; ".join(programmes.get(supervisor.pk, ()))
        supervisor.training_names = ", ".join(training.get(supervisor.pk, ()))
    return supervisors


DIRECTORY_PAGE_SIZE = 25


def _directory_filtered(shape: tuple[bool, bool, bool], organisation_id, now, today, *chosen):
    """_directory by name (pk last: pages never overlap), filtered as `shape` says: by
    programme, by mode (each value next in `chosen`), to those with times and space."""
    by_programme, by_mode, available = shape
    supervisors = _directory(organisation_id, now, today).order_by(
        "user__last_name", "user__first_name", "pk"
    )
    values = iter(chosen)
    if by_programme:
        supervisors = supervisors.filter(programmes=next(values))
    if by_mode:
        supervisors = supervisors.filter(mode=next(values))
    if available:
        supervisors = supervisors.filter(
            offers_times=True, accepting_new=True, current__lt=F("capacity")
        )
    return supervisors


def _directory_pages_of(shape: tuple[bool, bool, bool]) -> PreparedPages:
    types = (int, datetime.datetime, datetime.date) + (int,) * shape[0] + (str,) * shape[1]
    return PreparedPages(
        partial(_directory_filtered, shape), per_page=DIRECTORY_PAGE_SIZE, types=types
    )


# Each shape of filter's count and pages, built once per process (kernel.prepared).
_directory_pages = Shapes(_directory_pages_of)


def supervisor_directory_page(
    user, now, number, *, programme: Programme | None = None, mode: str = "", available=False
) -> Page:
    """Page `number` of the supervisors the user may see (supervisors_visible_to), with
    what the directory shows of each (_directory), of a programme, of a mode ("online",
    "in_person"), and only those with times offered and space if `available`."""
    profile = get_own_profile(user)
    if profile is None:
        return Paginator([], DIRECTORY_PAGE_SIZE).get_page(number)
    shape = (programme is not None, bool(mode), bool(available))
    chosen: list[int | str] = [programme.pk] if programme is not None else []
    chosen += [mode] if mode else []
    return _directory_pages[shape].get_page(
        number, profile.organisation_id, now, now.date(), *chosen
    )


# A supervisor's active programmes, with their organisation: the same query on every
# view of a supervisor's page, its SQL built once per process (kernel/prepared.py);
# the programmes each may send people to instead come after (refusals_fetched).
_active_programmes_of = PreparedQuery(
    lambda supervisor_profile_id: Programme.objects.filter(
        supervisors=supervisor_profile_id, is_active=True
    ).select_related("organisation")
)


def supervisor_programmes_with_refusals(supervisor: SupervisorProfile) -> list[Programme]:
    """The supervisor's active programmes, by name, with all that eligibility() and its
    refusal read fetched (the alternatives and every department list): no query per
    programme (as kernel.permissions.programmes_open_to_with_refusals)."""
    return refusals_fetched(_active_programmes_of(supervisor.pk))


# With the profile and department the supervisor's page shows, and the profile
# pairing_refusal compares with the supervisee's line manager: no query each. The
# same query on every view of a supervisor's page, its SQL built once per process.
_supervisor_in = PreparedQuery(
    lambda organisation_id, pk: (
        _supervisors_in(organisation_id).select_related("user__profile__department").filter(pk=pk)
    ),
    types=(int, int),
)


def get_supervisor_for_user(user, pk: int) -> SupervisorProfile:
    """A supervisor of the user's organisation's programmes (supervisors_visible_to); 404
    for anyone else."""
    profile = get_own_profile(user)
    found = _supervisor_in(profile.organisation_id, pk) if profile is not None else []
    if not found:
        raise Http404
    return found[0]


def agreements_visible_to(user):
    """Agreements the user is one of the two people in; nobody else reads them."""
    return Agreement.objects.filter(Q(supervisor=user) | Q(supervisee=user))


# The agreements not ended between a supervisor and a supervisee (a supervisor's page).
_current_between = PreparedQuery(
    lambda user_id, supervisor_id: (
        agreements_visible_to(user_id)
        .current()
        .filter(supervisor=supervisor_id, supervisee=user_id)
    ),
    types=(int, int),
)


def current_agreements_with(user, supervisor) -> list[Agreement]:
    """The user's agreements not ended in which `supervisor` (a user) supervises them."""
    return _current_between(user.pk, supervisor.pk)


# The same query on every view of an agreement's pages (booking among them), its SQL
# built once per process (kernel/prepared.py).
_agreement_of = PreparedQuery(
    lambda user_id, pk: (
        agreements_visible_to(user_id)
        .select_related("programme__organisation", "supervisor", "supervisee")
        .filter(pk=pk)
    ),
    types=(int, int),
)


def get_agreement_for_user(user, pk: int) -> Agreement:
    """One of the user's own agreements (agreements_visible_to); 404 for anyone else's."""
    found = _agreement_of(user.pk, pk)
    if not found:
        raise Http404
    return found[0]


def profession_standards_managed_by(user, organisation):
    """The organisation's default minimum frequencies, for a programme admin of it."""
    from .models import ProfessionStandard

    if organisation.pk not in organisations_where(user, Role.PROGRAMME_ADMIN):
        return ProfessionStandard.objects.none()
    return ProfessionStandard.objects.filter(organisation=organisation)


def supervisees_of(user):
    """Staff profiles of the people the user supervises under an active agreement."""
    from kernel.models import StaffProfile

    supervising = Agreement.objects.active().filter(supervisor=user).values("supervisee_id")
    return StaffProfile.objects.active().filter(user_id__in=supervising)


def programme_supervisees_joined(programme_ids, user_ids=None) -> dict:
    """{(programme id, supervisee id): when they joined} for those in an active agreement of
    these programmes, joined when they accepted it. For a programme's own follow-up (its
    wellbeing measure): callers show nobody who is in it."""
    agreements = Agreement.objects.filter(programme_id__in=list(programme_ids)).active()
    if user_ids is not None:
        agreements = agreements.filter(supervisee_id__in=list(user_ids))
    rows = agreements.values("programme_id", "supervisee_id").annotate(
        joined=Min("supervisee_accepted_at")
    )
    return {(row["programme_id"], row["supervisee_id"]): row["joined"] for row in rows.order_by()}


def sessions_visible_to(user):
    """Sessions the user took part in. The shared record goes no further."""
    return Session.objects.involving(user)


def get_session_for_user(user, pk: int, *, as_role: str | None = None) -> Session:
    """A session of the user's own; 404 for strangers, 403 for the wrong participant.

    `as_role` ("supervisor" or "supervisee") is for actions only one side may take.
    """
    try:
        session = (
            sessions_visible_to(user)
            .select_related("programme__organisation", "supervisor", "supervisee", "agreement")
            .get(pk=pk)
        )
    except Session.DoesNotExist:
        raise Http404 from None
    if as_role is not None and session.role_of(user) != as_role:
        raise PermissionDenied
    return session


def session_record_for_user(user, session: Session) -> SessionRecord | None:
    """The shared record of a session (themes prefetched), or None when there is none.

    Its two people's only: `session` comes from get_session_for_user, and the
    record of a session the user took no part in is None all the same.
    """
    return (
        SessionRecord.objects.filter(session=session)
        .filter(Q(session__supervisor=user) | Q(session__supervisee=user))
        .prefetch_related("themes")
        .first()
    )


# --- ESR imports (programme admins) -------------------------------------------


def staff_imports_visible_to(user):
    """ESR imports of the organisations the user administers."""
    return StaffImport.objects.filter(
        organisation_id__in=organisations_where(user, Role.PROGRAMME_ADMIN)
    )


def get_staff_import_for_admin(user, pk: int) -> StaffImport:
    """One import for a programme admin of its organisation; 404 for anyone else's."""
    try:
        return staff_imports_visible_to(user).select_related("organisation").get(pk=pk)
    except StaffImport.DoesNotExist:
        raise Http404 from None


def get_extra_for_admin(user, pk: int) -> AllowanceExtra:
    """One extra-session grant on a programme the user administers; 404 for anyone
    else's (another organisation's grant answers as if it did not exist)."""
    try:
        return AllowanceExtra.objects.select_related("user", "programme__organisation").get(
            pk=pk, programme__in=programmes_managed_by(user)
        )
    except AllowanceExtra.DoesNotExist:
        raise Http404 from None
