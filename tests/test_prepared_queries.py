"""The per-request lookups built into SQL once (kernel/prepared.py) answer exactly what
the ORM's querysets answer: one's profile with its organisation and department, one's
roles, and the session behind the cookie."""

import datetime
import zoneinfo

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import Count, Window
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.session_store import SessionStore
from kernel.models import Department, Organisation, Programme, Role, RoleGrant, StaffProfile
from kernel.permissions import get_own_profile, roles_by_organisation
from kernel.prepared import PreparedQuery

from .factories import DepartmentFactory, RoleGrantFactory, StaffProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def test_own_profile_is_the_orms_with_its_organisation_and_department(supervisee):
    fresh = User.objects.get(pk=supervisee.pk)
    with CaptureQueriesContext(connection) as queries:
        profile = get_own_profile(fresh)
        assert profile is not None
        assert profile.organisation.name == "Westfield Hospitals NHS Trust"
        assert profile.department is not None
    assert len(queries) == 1  # the organisation and department came with it

    expected = StaffProfile.objects.select_related("organisation", "department").get(
        user=supervisee
    )
    assert _fields(profile) == _fields(expected)
    assert _fields(profile.organisation) == _fields(expected.organisation)
    assert _fields(profile.department) == _fields(expected.department)
    assert not profile._state.adding
    assert profile._state.db == "default"


def test_a_profile_without_a_department_has_none(organisation):
    profile = StaffProfileFactory(organisation=organisation, department=None)
    found = get_own_profile(User.objects.get(pk=profile.user_id))
    assert found is not None
    assert found.pk == profile.pk
    assert found.department is None


def test_someone_without_a_profile_has_none(db):
    assert get_own_profile(UserFactory()) is None


def test_roles_are_the_grants_of_that_person_only(organisation, other_organisation):
    person = UserFactory()
    RoleGrantFactory(user=person, organisation=organisation, role=Role.SUPERVISOR)
    RoleGrantFactory(user=person, organisation=organisation, role=Role.FACILITATOR)
    RoleGrantFactory(user=person, organisation=other_organisation, role=Role.SUPERVISOR)
    RoleGrantFactory(organisation=organisation, role=Role.PROGRAMME_ADMIN)  # someone else

    assert roles_by_organisation(User.objects.get(pk=person.pk)) == {
        organisation.pk: frozenset({Role.SUPERVISOR, Role.FACILITATOR}),
        other_organisation.pk: frozenset({Role.SUPERVISOR}),
    }
    assert roles_by_organisation(UserFactory()) == {}


def test_a_prepared_query_runs_its_sql_with_each_calls_values(organisation, other_organisation):
    names = PreparedQuery(
        lambda pk: Organisation.objects.filter(pk=pk).order_by().values_list("name")
    )
    assert names(organisation.pk) == [("Westfield Hospitals NHS Trust",)]
    assert names(other_organisation.pk) == [("Eastbrook Healthcare NHS Trust",)]
    assert names(0) == []


def test_a_prepared_query_takes_times_and_an_argument_used_twice(organisation):
    """A time reaches the SQL as the backend writes a DateTimeField's value (text in
    UTC on SQLite), on each call; an argument may stand in several places."""
    created = Organisation.objects.values_list("created_at", flat=True).get(pk=organisation.pk)
    since = PreparedQuery(
        lambda pk, after, before: (
            Organisation.objects.filter(
                pk=pk, id__gte=pk, created_at__gt=after, created_at__lte=before
            )
            .order_by()
            .values_list("name")
        ),
        types=(int, datetime.datetime, datetime.datetime),
    )
    second = datetime.timedelta(seconds=1)
    london = zoneinfo.ZoneInfo("Europe/London")
    assert since(organisation.pk, created - second, created) == [("Westfield Hospitals NHS Trust",)]
    assert since(organisation.pk, created.astimezone(london) - second, created + second)
    assert since(organisation.pk, created, created + second) == []
    assert since(organisation.pk, created - 2 * second, created - second) == []


def test_a_prepared_query_takes_dates(organisation):
    """A date reaches the SQL as the backend writes a DateField's value, each call's
    own; a datetime is refused where a date is asked (it would be another value)."""
    start = datetime.date(2026, 3, 29)
    profile = StaffProfileFactory(organisation=organisation, start_date=start)
    started = PreparedQuery(
        lambda organisation_id, on_or_after, before: StaffProfile.objects.filter(
            organisation_id=organisation_id, start_date__gte=on_or_after, start_date__lt=before
        ).order_by("pk"),
        types=(int, datetime.date, datetime.date),
    )
    day = datetime.timedelta(days=1)
    assert started(organisation.pk, start, start + day) == [profile]
    assert started(organisation.pk, start - day, start) == []
    assert started(organisation.pk, start + day, start + 2 * day) == []
    assert started(organisation.pk, datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)) == [
        profile
    ]
    with pytest.raises(TypeError, match="date"):
        started(organisation.pk, timezone.now(), timezone.now())


def test_a_prepared_querys_annotations_are_the_querysets(organisation, other_organisation):
    """Annotations come on each instance (and in each values_list tuple) as the
    queryset gives them: a count over a window, an aggregate, a subquery's answer."""
    person = UserFactory()
    for place in (organisation, other_organisation):
        RoleGrantFactory(user=person, organisation=place, role=Role.SUPERVISOR)
    RoleGrantFactory(user=person, organisation=organisation, role=Role.FACILITATOR)

    def build(pk):
        return (
            RoleGrant.objects.filter(user_id=pk)
            .select_related("organisation")
            .annotate(held=Window(Count("pk")), here=Count("organisation__staff"))
            .order_by("organisation__name", "role")
        )

    prepared = PreparedQuery(build)(person.pk)
    expected = list(build(person.pk))
    assert [(g.pk, g.held, g.here, g.organisation.name) for g in prepared] == [
        (g.pk, g.held, g.here, g.organisation.name) for g in expected
    ]
    assert {g.held for g in prepared} == {3}
    counts = PreparedQuery(
        lambda pk: (
            RoleGrant.objects.filter(user_id=pk)
            .values("role")
            .annotate(n=Count("pk"))
            .order_by("role")
            .values_list("role", "n")
        )
    )
    assert counts(person.pk) == [(Role.FACILITATOR, 1), (Role.SUPERVISOR, 2)]


def test_a_prepared_query_refuses_what_it_cannot_replace(organisation):
    moved = PreparedQuery(lambda pk: Organisation.objects.filter(pk=pk + 1))
    with pytest.raises(ValueError, match="unchanged"):
        moved(organisation.pk)
    with pytest.raises(TypeError, match="int, str, datetime or date"):
        PreparedQuery(lambda minutes: Organisation.objects.all(), types=(float,))
    turned = PreparedQuery(
        lambda when: Organisation.objects.filter(created_at__date__gte=when.date()),
        types=(datetime.datetime,),
    )
    with pytest.raises(ValueError, match="unchanged"):
        turned(timezone.now())  # a time turned into a date inside build
    at = PreparedQuery(
        lambda when: Organisation.objects.filter(created_at__lte=when), types=(datetime.datetime,)
    )
    with pytest.raises(TypeError, match="aware"):
        at(datetime.datetime(2026, 12, 6, 12))  # noqa: DTZ001 - the naive time it refuses


def _stored_session(user, *, expires_in: datetime.timedelta) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() + expires_in
    )
    assert store.session_key is not None
    return store.session_key


def test_the_session_store_reads_a_live_session(supervisee):
    key = _stored_session(supervisee, expires_in=datetime.timedelta(hours=1))
    store = SessionStore(key)
    assert store[SESSION_KEY] == str(supervisee.pk)
    assert store.session_key == key


def test_an_expired_deleted_or_unknown_session_reads_as_none(supervisee):
    expired = _stored_session(supervisee, expires_in=-datetime.timedelta(seconds=1))
    deleted = _stored_session(supervisee, expires_in=datetime.timedelta(hours=1))
    SessionStore(deleted).delete()
    for key in (expired, deleted, "x" * 32):
        store = SessionStore(key)
        assert store.load() == {}
        assert store.session_key is None  # a new one is made on save, as Django's store does


def test_signing_in_and_out_through_the_site_uses_the_store(client, supervisee):
    client.force_login(supervisee)
    assert client.get("/").status_code == 200
    key = client.cookies["sessionid"].value
    assert SessionStore(key)[SESSION_KEY] == str(supervisee.pk)
    Session.objects.filter(session_key=key).delete()
    assert client.get("/").status_code == 302  # signed out: to the sign-in page


def test_the_signed_in_person_comes_with_their_profile_in_one_query(client, supervisee):
    client.force_login(supervisee)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/no-such-page/").status_code == 404
    # The session, the user with their profile, organisation and department, and
    # their roles (the menu): the profile is not asked for again.
    assert len(queries) == 3, [query["sql"] for query in queries]
    assert "supervision_staffprofile" in queries[1]["sql"]


@pytest.mark.parametrize(
    "library_backend",
    [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ],
)
def test_a_session_signed_in_before_our_backends_stays_signed_in(
    client, supervisee, library_backend
):
    client.force_login(supervisee)
    session = client.session
    session[BACKEND_SESSION_KEY] = library_backend
    session.save()
    assert client.get("/").status_code == 200
    assert client.session[BACKEND_SESSION_KEY].startswith("accounts.backends.")


def test_a_session_naming_an_unknown_backend_is_signed_out(client, supervisee):
    client.force_login(supervisee)
    session = client.session
    session[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
    session.save()
    assert client.get("/").status_code == 302


def test_a_deactivated_person_is_signed_out_on_their_next_request(client, supervisee):
    client.force_login(supervisee)
    User.objects.filter(pk=supervisee.pk).update(is_active=False)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("huge", [2**63, -(2**63) - 1, 10**30])
def test_an_id_past_any_column_range_finds_nothing_and_its_page_is_not_found(
    client, agreement, huge
):
    """SQLite cannot bind an integer past 64 bits (OverflowError): a prepared query
    given one answers no rows, so /agreements/<huge>/book/ is a 404, not a 500."""
    names = PreparedQuery(lambda pk: Organisation.objects.filter(pk=pk).values_list("name"))
    assert names(huge) == []
    client.force_login(agreement.supervisee)
    for path in (f"/agreements/{abs(huge)}/book/", f"/supervisors/{abs(huge)}/"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/agreements/{agreement.pk}/book/").status_code == 200


# --- Pages (kernel.prepared.PreparedPages) ----------------------------------------------


def _departments(organisation_id):
    return Department.objects.filter(organisation_id=organisation_id).order_by("name", "pk")


@pytest.mark.parametrize("count", [0, 1, 4, 5, 6])
def test_prepared_pages_are_paginators_pages_for_any_page_number(organisation, count):
    from django.core.paginator import Paginator

    from kernel.prepared import PreparedPages

    for n in range(count):
        DepartmentFactory(organisation=organisation, name=f"Ward {(n * 7) % 10}")
    pages = PreparedPages(_departments, per_page=2)
    for number in [None, "", "1", "2", "3", "4", 2, "0", "-1", "99", "abc", "2.0", "1e3"]:
        expected = Paginator(_departments(organisation.pk), 2).get_page(number)
        with CaptureQueriesContext(connection) as queries:
            page = pages.get_page(number, organisation.pk)
        assert list(page.object_list) == list(expected.object_list), number
        assert (page.number, page.paginator.count, page.paginator.num_pages) == (
            expected.number,
            expected.paginator.count,
            expected.paginator.num_pages,
        ), number
        assert (page.has_next(), page.has_previous()) == (
            expected.has_next(),
            expected.has_previous(),
        )
        assert len(queries) == (2 if count else 1)  # the count, then (if any) the page


def test_prepared_pages_build_their_sql_once_and_run_the_querysets_prefetches(
    organisation, other_organisation
):
    from kernel.prepared import PreparedPages

    for org in (organisation, other_organisation):
        for n in range(3):
            DepartmentFactory(organisation=org, name=f"Ward {n}")
    pages = PreparedPages(
        lambda organisation_id: (
            Organisation.objects.filter(pk=organisation_id)
            .prefetch_related("departments")
            .order_by("pk")
        ),
        per_page=10,
    )
    for org in (organisation, other_organisation):
        page = pages.get_page("1", org.pk)
        assert [o.pk for o in page.object_list] == [org.pk]
        with CaptureQueriesContext(connection) as queries:
            names = {d.name for d in page.object_list[0].departments.all()}
        assert names == {"Ward 0", "Ward 1", "Ward 2"}
        assert len(queries) == 0  # prefetched with the page
    assert len(pages._pages) == 1


def test_prepared_pages_count_what_counted_builds(organisation, other_organisation):
    """A count built apart (`counted`) is the one asked: the people directory counts its
    staff from their profiles alone, not through the joins its rows need."""
    from kernel.permissions import staff_page_for_user
    from kernel.prepared import PreparedPages

    for org in (organisation, other_organisation):
        for n in range(3):
            DepartmentFactory(organisation=org, name=f"Ward {n}")
    pages = PreparedPages(
        lambda organisation_id: _departments(organisation_id).select_related("organisation"),
        per_page=2,
        counted=lambda organisation_id: Department.objects.filter(organisation_id=organisation_id),
    )
    with CaptureQueriesContext(connection) as queries:
        page = pages.get_page("2", organisation.pk)
    assert (page.paginator.count, page.number, len(page.object_list)) == (3, 2, 1)
    assert "JOIN" not in queries[0]["sql"]  # the count
    assert "JOIN" in queries[1]["sql"]  # the page's rows

    admin = StaffProfileFactory(organisation=organisation).user
    RoleGrantFactory(user=admin, organisation=organisation, role=Role.PROGRAMME_ADMIN)
    for _ in range(4):
        StaffProfileFactory(organisation=organisation)
    StaffProfileFactory(organisation=other_organisation)
    with CaptureQueriesContext(connection) as queries:
        page = staff_page_for_user(admin, "1", per_page=50)
    assert page.paginator.count == 5 == len(page.object_list)
    (count,) = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert "JOIN" not in count.upper()


def test_prepared_pages_refuse_an_unordered_or_distinct_query(organisation):
    from kernel.prepared import PreparedPages

    for build in (
        lambda organisation_id: Department.objects.filter(
            organisation_id=organisation_id
        ).order_by(),
        lambda organisation_id: _departments(organisation_id).distinct(),
    ):
        with pytest.raises(TypeError, match="ordered"):
            PreparedPages(build, per_page=2).get_page("1", organisation.pk)


def test_prepared_for_ids_answers_as_the_queryset_for_any_number_of_ids(
    organisation, other_organisation
):
    from kernel.prepared import PreparedForIds

    wards = [
        DepartmentFactory(organisation=org, name=f"Ward {n}")
        for org in (organisation, other_organisation)
        for n in range(4)
    ]
    names_of = PreparedForIds(
        lambda ids, organisation_id: (
            Department.objects.filter(pk__in=ids, organisation_id=organisation_id)
            .order_by("name", "pk")
            .values_list("pk", "name")
        ),
        types=(int,),
    )
    for chosen in ([wards[0]], wards[:3], wards[2:7], wards, [wards[1], wards[1], wards[5]]):
        ids = [ward.pk for ward in chosen]
        for org in (organisation, other_organisation):
            expected = list(
                Department.objects.filter(pk__in=ids, organisation_id=org.pk)
                .order_by("name", "pk")
                .values_list("pk", "name")
            )
            assert names_of(ids, org.pk) == expected
    with CaptureQueriesContext(connection) as queries:
        assert names_of([], organisation.pk) == []
    assert len(queries) == 0
    assert sorted(names_of._by_length) == [1, 2, 3, 5, 8]  # a repeated id counts once


def test_shapes_keep_what_they_make_up_to_their_bound_and_remake_the_rest():
    from kernel.prepared import SHAPES_KEPT, Shapes

    made: list[int] = []

    def make(shape: int) -> str:
        made.append(shape)
        return f"query for {shape}"

    by_count = Shapes(make)
    for count in [*range(SHAPES_KEPT + 5), 3, SHAPES_KEPT + 2]:
        assert by_count[count] == f"query for {count}"
    assert len(by_count) == SHAPES_KEPT
    assert made.count(3) == 1  # kept: made once
    assert made.count(SHAPES_KEPT + 2) == 2  # past the bound: made on each use
    made.clear()
    pages = Shapes(make, keep=lambda number: number <= 2)
    for number in (5, 1, 5, 1):
        pages[number]
    assert sorted(pages) == [1]
    assert made == [5, 1, 5]  # page 5 not kept: made again


def test_refusals_fetched_give_each_programme_its_departments_as_a_prefetch_would(
    organisation, other_organisation
):
    """kernel.permissions.refusals_fetched: the alternatives and every department list
    through queries built once, answering as the ORM's prefetch would."""
    from django.db.models import prefetch_related_objects

    from kernel.permissions import refusals_fetched

    from .factories import ProgrammeFactory

    wards = [DepartmentFactory(organisation=organisation, name=name) for name in "CAB"]
    elsewhere = DepartmentFactory(organisation=other_organisation, name="Z")
    instead = ProgrammeFactory(organisation=organisation)
    instead.eligible_departments.set([wards[2]])
    none = ProgrammeFactory(organisation=organisation, alternative=instead)
    some = ProgrammeFactory(organisation=organisation)
    some.eligible_departments.set(wards)
    other = ProgrammeFactory(organisation=other_organisation)
    other.eligible_departments.set([elsewhere])
    ids = [none.pk, some.pk, other.pk]

    expected = list(Programme.objects.filter(pk__in=ids).order_by("pk"))
    prefetch_related_objects(expected, "eligible_departments")
    found = list(Programme.objects.filter(pk__in=ids).order_by("pk"))
    with CaptureQueriesContext(connection) as queries:
        refusals_fetched(found)
        names = [[d.name for d in p.eligible_departments.all()] for p in found]
        sent_to = found[0].alternative
        assert sent_to is not None
        alternative = [d.name for d in sent_to.eligible_departments.all()]
    assert len(queries) == 2  # the alternatives, then every programme's departments
    assert names == [[d.name for d in p.eligible_departments.all()] for p in expected]
    assert names == [[], ["A", "B", "C"], ["Z"]]
    assert alternative == ["B"]
    # what is chained on the fetched list still asks for that programme's own
    assert list(found[1].eligible_departments.filter(name__lt="C")) == [wards[1], wards[2]]
    assert not found[0].eligible_departments.exists()


@pytest.mark.parametrize("count", [0, 1, 2])
def test_filter_choices_read_through_prepared_queries_are_the_querysets_rows(
    organisation, other_organisation, count
):
    """The people directory's departments and the supervisor directory's programmes,
    read through queries built once (kernel.permissions), are the querysets' rows."""
    from kernel.models import Modality
    from kernel.permissions import (
        departments_listed_for,
        departments_visible_to,
        programmes_open_listed,
        programmes_open_to,
    )

    from .factories import ProgrammeFactory

    for place in (organisation, other_organisation):
        for name in ("Ward 2", "Ward 1"):
            DepartmentFactory(organisation=place, name=f"{name} of {place.pk}")
        ProgrammeFactory(organisation=place, name=f"B one-to-one {place.pk}")
        ProgrammeFactory(organisation=place, name=f"A one-to-one {place.pk}")
        ProgrammeFactory(organisation=place, name=f"Closed {place.pk}", is_active=False)
        ProgrammeFactory(organisation=place, name=f"Group {place.pk}", modality=Modality.GROUP)
    admin = StaffProfileFactory(organisation=organisation).user
    for place in (organisation, other_organisation)[:count]:
        RoleGrantFactory(user=admin, organisation=place, role=Role.PROGRAMME_ADMIN)
    admin = User.objects.get(pk=admin.pk)  # roles read afresh

    assert list(departments_listed_for(admin)) == list(departments_visible_to(admin))
    wards = {d.name for d in departments_listed_for(admin) if " of " in d.name}
    assert len(wards) == 2 * count
    for modality in (Modality.ONE_TO_ONE, Modality.GROUP):
        listed = list(programmes_open_listed(admin, modality))
        assert listed == list(programmes_open_to(admin).filter(modality=modality))
        assert {p.organisation_id for p in listed} == {organisation.pk}
    assert [p.name for p in programmes_open_listed(admin, Modality.ONE_TO_ONE)] == [
        f"A one-to-one {organisation.pk}",
        f"B one-to-one {organisation.pk}",
    ]
    assert list(programmes_open_listed(UserFactory(), Modality.ONE_TO_ONE)) == []
