"""The supervisor directory: a page of supervisors at a time, filters kept."""

import datetime
import random
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from supervision.models import TrainingRecord
from supervision.permissions import DIRECTORY_PAGE_SIZE

from ..factories import ProgrammeFactory, StaffProfileFactory, SupervisorProfileFactory

pytestmark = pytest.mark.django_db


def test_the_directory_shows_a_page_of_supervisors_at_a_time(
    client, organisation, programme, band7
):
    for _ in range(DIRECTORY_PAGE_SIZE + 5):
        user = StaffProfileFactory(organisation=organisation).user
        SupervisorProfileFactory(user=user, programmes=[programme])
    client.force_login(band7)
    url = reverse("supervision:supervisors")
    first = client.get(url, {"programme": programme.pk})
    html = first.content.decode()
    assert f"{DIRECTORY_PAGE_SIZE + 5} supervisors" in html
    assert html.count('class="nhsuk-card"') == DIRECTORY_PAGE_SIZE
    assert f"programme={programme.pk}&amp;page=2" in html  # the filter is kept
    second = client.get(url, {"programme": programme.pk, "page": 2}).content.decode()
    assert second.count('class="nhsuk-card"') == 5
    beyond = client.get(url, {"page": "999"})
    assert beyond.status_code == 200  # the last page, not an error


def test_supervisors_with_the_same_name_are_paged_in_a_settled_order(
    client, organisation, programme, band7
):
    """The directory sorts by name, then by supervisor: two pages never show one
    namesake twice and another not at all, however the rows lie in the table."""
    supervisors = []
    for _ in range(DIRECTORY_PAGE_SIZE + 5):
        user = StaffProfileFactory(organisation=organisation).user
        supervisors.append(SupervisorProfileFactory(user=user, programmes=[programme]))
    # Renamed in a shuffled order: PostgreSQL writes each changed row anew, so the
    # table's order is no longer the order the supervisors were added in.
    for supervisor in random.Random(7).sample(supervisors, len(supervisors)):  # noqa: S311
        supervisor.user.first_name, supervisor.user.last_name = "Chloe", "Brown"
        supervisor.user.save()
    client.force_login(band7)
    url = reverse("supervision:supervisors")
    pages = [
        [int(pk) for pk in re.findall(r'href="/supervisors/(\d+)/"', html)]
        for html in (client.get(url, {"page": page}).content.decode() for page in (1, 2))
    ]
    assert pages[0] + pages[1] == sorted(s.pk for s in supervisors)


def test_a_supervisor_in_several_programmes_is_listed_once_and_others_not_at_all(
    client, organisation, programme, pna_programme, band7
):
    user = StaffProfileFactory(organisation=organisation).user
    SupervisorProfileFactory(user=user, programmes=[programme, pna_programme])
    retired = ProgrammeFactory(organisation=organisation, is_active=False)
    only_retired = StaffProfileFactory(organisation=organisation).user
    SupervisorProfileFactory(user=only_retired, programmes=[retired])
    elsewhere = ProgrammeFactory()  # another organisation's
    SupervisorProfileFactory(
        user=StaffProfileFactory(organisation=elsewhere.organisation).user,
        programmes=[elsewhere],
    )
    client.force_login(band7)
    html = client.get(reverse("supervision:supervisors")).content.decode()
    assert "1 supervisor" in html
    assert html.count('class="nhsuk-card"') == 1
    assert html.count(escape(user.get_full_name())) == 1
    assert escape(only_retired.get_full_name()) not in html


def test_each_card_names_the_programmes_and_the_training_escaped(
    client, organisation, programme, band7
):
    other = ProgrammeFactory(organisation=organisation, name="Ward <b>& A&E</b> group")
    user = StaffProfileFactory(organisation=organisation).user
    supervisor = SupervisorProfileFactory(user=user, programmes=[programme, other])
    for kind, day in ((TrainingRecord.Kind.PNA, 1), (TrainingRecord.Kind.RESTORATIVE, 2)):
        TrainingRecord.objects.create(
            supervisor=supervisor, kind=kind, completed_on=datetime.date(2025, 1, day)
        )
    untrained = SupervisorProfileFactory(
        user=StaffProfileFactory(organisation=organisation).user, programmes=[programme]
    )
    client.force_login(band7)
    html = client.get(reverse("supervision:supervisors")).content.decode()
    names = sorted([programme.name, other.name])
    assert f"<p>{escape(names[0])}; {escape(names[1])}</p>" in html
    assert "Ward <b>" not in html
    # Latest training first (the records' order).
    assert "Trained in: Restorative supervision, Professional Nurse Advocate (PNA)</p>" in html
    assert html.count("Trained in:") == 1, f"not on {untrained.user.get_full_name()}'s card"


def test_every_filter_of_the_directory_pages_as_the_queryset_does(organisation, programme, band7):
    # supervisor_directory_page builds each shape of filter's SQL once, its time, date,
    # programme and mode as parameters: each must answer as the queryset it was built from.
    import itertools

    from django.core.paginator import Paginator
    from django.utils import timezone

    from supervision.models import AvailabilitySlot, Mode, WeeklyAvailability
    from supervision.permissions import _directory_filtered, supervisor_directory_page

    other = ProgrammeFactory(organisation=organisation, name="Preceptorship")
    now = timezone.now()
    for n in range(DIRECTORY_PAGE_SIZE + 7):
        user = StaffProfileFactory(organisation=organisation).user
        supervisor = SupervisorProfileFactory(
            user=user,
            programmes=[programme] if n % 3 else [programme, other],
            mode=Mode.IN_PERSON if n % 2 else Mode.ONLINE,
            capacity=0 if n % 5 == 0 else 6,
        )
        if n % 4 == 0:  # a weekly window, ended yesterday or running on
            WeeklyAvailability.objects.create(
                supervisor=user,
                mode=supervisor.mode,
                weekday=1,
                start_time=datetime.time(9),
                end_time=datetime.time(10),
                valid_from=now.date() - datetime.timedelta(days=60),
                valid_until=now.date() - datetime.timedelta(days=1) if n % 8 else None,
            )
        if n % 7 == 0:
            AvailabilitySlot.objects.create(
                supervisor=user,
                mode=supervisor.mode,
                starts_at=now + datetime.timedelta(days=2),
                ends_at=now + datetime.timedelta(days=2, hours=1),
            )
    answers = set()
    for chosen_programme, mode, available in itertools.product(
        (None, programme, other), ("", Mode.ONLINE, Mode.IN_PERSON), (False, True)
    ):
        shape = (chosen_programme is not None, bool(mode), available)
        values = [chosen_programme.pk] if chosen_programme else []
        values += [mode] if mode else []
        expected_all = _directory_filtered(shape, organisation.pk, now, now.date(), *values)
        for number in ("1", "2", "9"):
            expected = Paginator(expected_all, DIRECTORY_PAGE_SIZE).get_page(number)
            page = supervisor_directory_page(
                band7, now, number, programme=chosen_programme, mode=mode, available=available
            )
            got = [(s.pk, s.current, s.offers_times) for s in page.object_list]
            assert got == [(s.pk, s.current, s.offers_times) for s in expected.object_list]
            assert page.paginator.count == expected.paginator.count
            answers.add(page.paginator.count)
    assert len(answers) > 4  # the filters do narrow the list
