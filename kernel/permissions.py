"""Who holds which role where, and the organisation-wide lists views fetch through.

The permission primitives every app builds on. Rules: an object outside the
user's scope answers 404 (so its existence never leaks); an object in scope that
the user may read but not change answers 403.
"""

from collections import defaultdict
from functools import wraps
from typing import cast

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import F, ForeignKey
from django.http import Http404

from .eligibility import REFUSAL_RELATED
from .models import Department, Organisation, Programme, Role, RoleGrant, StaffProfile, Theme
from .prepared import PreparedForIds, PreparedPages, PreparedQuery, Shapes, as_read

_CACHE_ATTR = "_supervision_roles"
_PROFILE_ATTR = "_supervision_profile"

# Asked on every signed-in page (the menu, the time zone), so built into SQL once
# (kernel/prepared.py). Unordered: the models' orderings would join other tables to
# sort rows whose order nothing here needs (one profile at most; a set of roles).
_grants_of = PreparedQuery(
    lambda user_id: (
        RoleGrant.objects.filter(user_id=user_id).order_by().values_list("organisation_id", "role")
    )
)
_profile_of = PreparedQuery(
    lambda user_id: (
        StaffProfile.objects.select_related("organisation", "department")
        .filter(user_id=user_id)
        .order_by()[:1]
    )
)


def roles_by_organisation(user) -> dict[int, frozenset[str]]:
    """The roles the user holds, keyed by organisation id (one query per request)."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        grouped: dict[int, set[str]] = defaultdict(set)
        for organisation_id, role in _grants_of(user.pk):
            grouped[organisation_id].add(role)
        cached = {org: frozenset(roles) for org, roles in grouped.items()}
        setattr(user, _CACHE_ATTR, cached)
    return cached


def user_roles(user) -> frozenset[str]:
    """Every role the user holds in any organisation."""
    return frozenset().union(*roles_by_organisation(user).values())


def organisations_where(user, role: str) -> list[int]:
    """Ids of the organisations in which the user holds `role`."""
    return [org for org, roles in roles_by_organisation(user).items() if role in roles]


def has_role(user, role: str, organisation_id: int | None = None) -> bool:
    if organisation_id is None:
        return role in user_roles(user)
    return role in roles_by_organisation(user).get(organisation_id, frozenset())


def role_required(role: str):
    """View decorator: sign-in required, then 403 unless the user holds `role` somewhere."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request)
            if not has_role(request.user, role):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def redirect_to_login(request):
    from django.contrib.auth.views import redirect_to_login as django_redirect_to_login

    return django_redirect_to_login(request.get_full_path())


def staff_visible_to(user):
    """Staff profiles a programme admin may manage: those of their organisations."""
    return _staff_in(organisations_where(user, Role.PROGRAMME_ADMIN))


def _staff_in(organisation_ids):
    return StaffProfile.objects.in_organisations(organisation_ids)


def _staff_pages_of(shape: tuple[int, int]) -> PreparedPages:
    organisations, per_page = shape
    return PreparedPages(
        lambda *organisation_ids: with_directory_columns(_staff_in(list(organisation_ids))),
        per_page=per_page,
        types=(int,) * organisations,
        # counted from the staff profiles' organisation index alone: with the directory's
        # joins the count took three times as long at 20,000 staff (bench/directories.py)
        counted=lambda *organisation_ids: _staff_in(list(organisation_ids)),
    )


# The people directory as it opens, unfiltered: each page's SQL built once per process
# for each number of organisations one administers (kernel.prepared.PreparedPages).
_staff_pages = Shapes(_staff_pages_of)


def with_directory_columns(people):
    """Staff profiles as the people directory lists them: each with its account, and
    the names of its department (None without one) and organisation as
    `department_name` and `organisation_name`, read in the same query rather than as
    two more model instances a row."""
    return people.select_related("user").annotate(
        department_name=F("department__name"), organisation_name=F("organisation__name")
    )


def staff_page_for_user(user, number, *, per_page: int) -> Page:
    """Page `number` of staff_visible_to(user), by name, with_directory_columns."""
    ids = sorted(organisations_where(user, Role.PROGRAMME_ADMIN))
    if not ids:
        return Paginator([], per_page).get_page(number)
    return _staff_pages[len(ids), per_page].get_page(number, *ids)


def role_grants_of(people) -> list[tuple[int, int, str]]:
    """(user id, organisation id, role) of every role held by these staff profiles,
    which the caller fetched through staff_visible_to; in role order, as plain values
    (the people directory's roles column: one query, no model instances)."""
    return _role_grants_of([person.user_id for person in people])


_role_grants_of = PreparedForIds(
    lambda user_ids: (
        RoleGrant.objects.filter(user_id__in=user_ids)
        .order_by("role")
        .values_list("user_id", "organisation_id", "role")
    )
)


def get_staff_for_user(user, pk: int) -> StaffProfile:
    """Fetch one staff profile for a programme admin; 404 for anyone else's staff."""
    try:
        return (
            staff_visible_to(user)
            .select_related("user", "organisation", "department", "line_manager__user")
            .get(pk=pk)
        )
    except StaffProfile.DoesNotExist:
        raise Http404 from None


def get_own_profile(user) -> StaffProfile | None:
    """The user's staff profile, fetched once per request and kept on the user."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, _PROFILE_ATTR):
        found = _profile_of(user.pk)  # one row at most: user is unique
        setattr(user, _PROFILE_ATTR, found[0] if found else None)
    return getattr(user, _PROFILE_ATTR)


def own_profile_loaded(user, profile: StaffProfile | None) -> None:
    """Keep `profile` as the user's own for this request, so get_own_profile asks
    nothing: it was loaded with the user, with its organisation and department (None:
    the user has none). accounts.backends loads every signed-in request's user so."""
    setattr(user, _PROFILE_ATTR, profile)


def login_required_view(view):
    """Like Django's login_required, kept here so every view's gate is in one module."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request)
        return view(request, *args, **kwargs)

    return wrapped


def departments_visible_to(user):
    """Departments of the organisations the user administers."""
    return _departments_in(organisations_where(user, Role.PROGRAMME_ADMIN))


def _departments_in(organisation_ids):
    return Department.objects.filter(organisation_id__in=organisation_ids)


# departments_visible_to's rows, through a query built once for each number of
# organisations the user administers.
_departments_of = PreparedForIds(_departments_in)


def departments_listed_for(user):
    """departments_visible_to(user), read already (kernel.prepared.as_read) through a
    query built once: a filter form's choices, which then ask for nothing."""
    ids = organisations_where(user, Role.PROGRAMME_ADMIN)
    return as_read(_departments_in(ids), _departments_of(ids))


def get_department_for_user(user, pk: int):
    try:
        return departments_visible_to(user).select_related("organisation").get(pk=pk)
    except Department.DoesNotExist:
        raise Http404 from None


def admin_home_organisation(user):
    """The organisation a programme admin adds people and departments to.

    Their own organisation when they administer it, otherwise the first they do.
    Callers have already checked that the user is a programme admin somewhere.
    """
    administered = organisations_where(user, Role.PROGRAMME_ADMIN)
    profile = get_own_profile(user)
    if profile is not None and profile.organisation_id in administered:
        return profile.organisation
    return Organisation.objects.get(pk=min(administered))


# --- Programmes (programme admins) -------------------------------------------


def programmes_managed_by(user):
    """Programmes of the organisations the user administers."""
    return Programme.objects.filter(
        organisation_id__in=organisations_where(user, Role.PROGRAMME_ADMIN)
    )


def get_programme_for_admin(user, pk: int) -> Programme:
    try:
        return programmes_managed_by(user).select_related("organisation").get(pk=pk)
    except Programme.DoesNotExist:
        raise Http404 from None


def themes_managed_by(user):
    return Theme.objects.filter(organisation_id__in=organisations_where(user, Role.PROGRAMME_ADMIN))


def get_theme_for_admin(user, pk: int) -> Theme:
    try:
        return themes_managed_by(user).get(pk=pk)
    except Theme.DoesNotExist:
        raise Http404 from None


def _open_programmes(organisation_id: int):
    return Programme.objects.filter(organisation_id=organisation_id, is_active=True)


def programmes_open_to(user):
    """Active programmes of the user's own organisation (eligibility is shown per person)."""
    profile = get_own_profile(user)
    if profile is None:
        return Programme.objects.none()
    return _open_programmes(profile.organisation_id)


def programmes_open_listed(user, modality: str):
    """programmes_open_to(user) of one modality, read already (kernel.prepared.as_read)
    through the query built once (_open_of_modality): a filter form's choices."""
    profile = get_own_profile(user)
    if profile is None:
        return Programme.objects.none()
    rows = _open_of_modality(profile.organisation_id, modality)
    return as_read(_open_programmes(profile.organisation_id).filter(modality=modality), rows)


# The programmes a member of staff may book, with their organisation: the same query
# on every home page, its SQL built once per process (kernel/prepared.py); the
# programmes each may send people to instead come after (refusals_fetched).
_open_of_modality = PreparedQuery(
    lambda organisation_id, modality: (
        _open_programmes(organisation_id).filter(modality=modality).select_related("organisation")
    ),
    types=(int, str),
)


# The programmes a refusal sends people to, by id: one query, its SQL built once for
# each number of them.
_programmes_by_id = PreparedForIds(lambda ids: Programme.objects.filter(pk__in=ids).order_by())
# Each of these programmes' eligible departments, as their `eligible_departments.all()`
# orders them (Department's name): one query, its SQL built once for each number of them.
_eligible_departments_of = PreparedForIds(
    lambda ids: (
        Programme.eligible_departments.through.objects.filter(programme_id__in=ids)
        .select_related("department")
        .order_by("department__name", "department_id")
    )
)


def refusals_fetched(programmes: list) -> list:
    """`programmes` with all that eligibility() and its refusal read: the programmes
    each may send people to instead (REFUSAL_RELATED), in one query, and every
    department list, in one more: none per programme. Not joined to the programmes'
    own query: five joins of a table to itself cost PostgreSQL more to plan (about
    1.5 ms, on every home page) than two small queries cost to run. Both queries' SQL
    is built once per process (kernel/prepared.py)."""
    fields = [cast(ForeignKey, Programme._meta.get_field(related)) for related in REFUSAL_RELATED]
    wanted = {getattr(programme, field.attname) for programme in programmes for field in fields}
    wanted.discard(None)
    alternatives = {programme.pk: programme for programme in _programmes_by_id(wanted)}
    for programme in programmes:
        for field in fields:
            pk = getattr(programme, field.attname)
            if pk is not None:
                field.set_cached_value(programme, alternatives.get(pk))
    _with_eligible_departments([*programmes, *alternatives.values()])
    return programmes


def _with_eligible_departments(programmes: list[Programme]) -> None:
    """As prefetch_related_objects(programmes, "eligible_departments"), through a query
    built once: each programme's `eligible_departments.all()` answers from what was
    fetched, and anything chained on it (a filter) still asks for its own departments."""
    found: dict[int, list[Department]] = defaultdict(list)
    for row in _eligible_departments_of([programme.pk for programme in programmes]):
        found[row.programme_id].append(row.department)
    for programme in programmes:
        departments = found.get(programme.pk, [])
        own = Department.objects.filter(pk__in=[department.pk for department in departments])
        cache = programme.__dict__.setdefault("_prefetched_objects_cache", {})
        cache["eligible_departments"] = as_read(own, departments)


def programmes_open_to_with_refusals(user, modality: str) -> list[Programme]:
    """programmes_open_to(user) of one modality, as a list, with all that
    eligibility() and its refusal read fetched (the alternatives and every
    department list): no query per programme. The programmes query's SQL is built
    once per process (kernel/prepared.py)."""
    profile = get_own_profile(user)
    if profile is None:
        return []
    return refusals_fetched(_open_of_modality(profile.organisation_id, modality))


def theme_choices(organisation_id: int, record=None):
    """Themes a session or group record may be tagged with: the active themes of the
    organisation whose programme it is, and those the record has (retired since or not)."""
    themes = Theme.objects.filter(organisation_id=organisation_id, is_active=True)
    if record is not None:
        themes = themes | Theme.objects.filter(pk__in=record.themes.values("pk"))
    return themes.distinct()
