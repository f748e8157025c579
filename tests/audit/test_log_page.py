"""Programme admins browse the audit log of their own organisations."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from audit.services import audit_log
from kernel.models import Role
from tests.factories import RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("audit:log")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=datetime.UTC)


MONDAY = utc(2026, 11, 23, 9)


def entry(organisation, *, at=MONDAY, actor=None, action="staff.added", **kwargs):
    with time_machine.travel(at, tick=False):
        return audit_log(
            actor=actor,
            action=action,
            target=organisation,
            organisation_id=organisation.pk,
            summary=kwargs.pop("summary", f"{action} at {at:%H:%M}"),
            **kwargs,
        )


def rows(response) -> str:
    """The table body, where entries are listed."""
    page = response.content.decode()
    return page.split('<tbody class="nhsuk-table__body">', 1)[-1].split("</tbody>", 1)[0]


def test_an_admin_sees_who_did_what_when_and_from_where_in_uk_time(
    client, programme_admin, organisation, supervisor
):
    entry(
        organisation,
        at=utc(2026, 7, 1, 12, 0, 5),
        actor=supervisor,
        action="role.granted",
        summary="Supervisor granted to someone",
        details={"role": "supervisor", "fields": ["band", "job_title"]},
    )
    client.force_login(programme_admin)

    response = client.get(URL, REMOTE_ADDR="198.51.100.30")

    assert response.status_code == 200
    table = rows(response)
    assert "1 Jul 2026, 13:00:05 BST" in table  # stored as 12:00:05 UTC
    assert supervisor.email in table
    assert "Gave a role" in table  # the action in words, not its code
    assert "role.granted" not in table
    assert "Supervisor granted to someone" in table
    assert "Role: supervisor; Fields: band, job title" in table


def test_the_ip_address_of_a_change_is_shown(client, programme_admin):
    client.force_login(programme_admin)
    client.post(
        reverse("supervision:department_add"),
        {"name": "Ward 9", "kind": "ward"},
        REMOTE_ADDR="198.51.100.23",
    )
    assert "198.51.100.23" in rows(client.get(URL))


def test_only_entries_of_the_admins_own_organisations_are_listed(
    client, programme_admin, organisation, other_organisation, outsider
):
    entry(organisation, summary="Ours")
    entry(other_organisation, summary="Theirs")
    client.force_login(programme_admin)
    table = rows(client.get(URL))
    assert "Ours" in table
    assert "Theirs" not in table

    client.force_login(outsider)
    table = rows(client.get(URL))
    assert "Theirs" in table
    assert "Ours" not in table


def test_an_admin_of_two_organisations_sees_both_with_their_names(
    client, programme_admin, organisation, other_organisation
):
    RoleGrantFactory(
        user=programme_admin, organisation=other_organisation, role=Role.PROGRAMME_ADMIN
    )
    entry(organisation, summary="Ours")
    entry(other_organisation, summary="Theirs")
    client.force_login(programme_admin)
    table = rows(client.get(URL))
    assert "Ours" in table
    assert "Theirs" in table
    assert other_organisation.name in table


def test_traces_of_journals_wellbeing_check_ins_and_feedback_are_not_listed(
    client, programme_admin, organisation, supervisee
):
    """That a named person wrote in their journal or gave feedback is theirs alone."""
    from feedback.models import JournalEntry

    journal = JournalEntry.objects.create(author=supervisee, template="gibbs", title="x")
    with time_machine.travel(utc(2026, 11, 23, 9), tick=False):
        audit_log(
            actor=supervisee,
            action="journal.entry_created",
            target=journal,
            organisation_id=organisation.pk,
            summary="journal.entry_created",
        )
    entry(organisation, summary="Visible")
    client.force_login(programme_admin)
    response = client.get(URL)
    assert "journal.entry_created" not in response.content.decode()  # not even as a filter
    assert "Visible" in rows(response)


def test_newest_first_fifty_a_page(client, programme_admin, organisation):
    for minute in range(51):
        entry(organisation, at=utc(2026, 11, 23, 9, minute), summary=f"Entry {minute:02}")
    client.force_login(programme_admin)

    first = rows(client.get(URL))
    assert first.count('<tr class="nhsuk-table__row"') == 50
    assert first.index("Entry 50") < first.index("Entry 49")
    assert "Entry 00" not in first

    second = rows(client.get(URL, {"page": 2}))
    assert second.count('<tr class="nhsuk-table__row"') == 1
    assert "Entry 00" in second


def test_filter_by_action_and_by_actor_email(client, programme_admin, organisation, supervisor):
    entry(organisation, action="role.granted", actor=supervisor, summary="Granted by supervisor")
    entry(organisation, action="role.granted", actor=programme_admin, summary="Granted by admin")
    entry(organisation, action="staff.added", actor=supervisor, summary="Added by supervisor")
    client.force_login(programme_admin)

    response = client.get(URL, {"action": "role.granted"})
    assert '<option value="staff.added">' in response.content.decode()  # a choice
    table = rows(response)
    assert "Granted by supervisor" in table
    assert "Granted by admin" in table
    assert "Added by supervisor" not in table

    actor = supervisor.email.split("@")[0].upper()  # any part of it, any case
    table = rows(client.get(URL, {"action": "role.granted", "actor": actor}))
    assert "Granted by supervisor" in table
    assert "Granted by admin" not in table


def test_dates_are_days_in_uk_time(client, programme_admin, organisation):
    # 30 June 23:30 UTC is 1 July 00:30 in London (BST).
    entry(organisation, at=utc(2026, 6, 30, 22, 59), summary="Late on 30 June")
    entry(organisation, at=utc(2026, 6, 30, 23, 30), summary="Early on 1 July")
    entry(organisation, at=utc(2026, 7, 1, 22, 59), summary="Late on 1 July")
    entry(organisation, at=utc(2026, 7, 1, 23, 0), summary="Early on 2 July")
    client.force_login(programme_admin)

    table = rows(client.get(URL, {"date_from": "2026-07-01", "date_to": "2026-07-01"}))

    assert "Early on 1 July" in table
    assert "Late on 1 July" in table
    assert "Late on 30 June" not in table
    assert "Early on 2 July" not in table


def test_a_date_range_the_wrong_way_round_is_explained_in_an_error_summary(client, programme_admin):
    client.force_login(programme_admin)
    response = client.get(URL, {"date_from": "2026-07-02", "date_to": "2026-07-01"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "nhsuk-error-summary" in page
    assert "The to date must be the same as or after the from date" in page


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "31/02/2026"},
        {"action": "no.such.action"},
        {"page": "x"},
        {"page": "999"},
        {"actor": "a" * 500},
    ],
)
def test_odd_input_never_breaks_the_page(client, programme_admin, organisation, query):
    entry(organisation)
    client.force_login(programme_admin)
    assert client.get(URL, query).status_code == 200


def test_an_entry_by_a_deleted_account_still_shows_who_it_was(
    client, programme_admin, organisation
):
    gone = UserFactory()
    entry(organisation, actor=gone, summary="By someone who left")
    gone_id = gone.pk
    gone.delete()
    client.force_login(programme_admin)
    table = rows(client.get(URL))
    assert f"Account {gone_id} (deleted)" in table


@pytest.mark.parametrize("user", ["supervisee", "supervisor", "wellbeing_lead", "facilitator"])
def test_people_who_are_not_programme_admins_are_refused(client, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(URL).status_code == 403


def test_the_menu_links_to_the_log_for_programme_admins_only(client, programme_admin, supervisee):
    client.force_login(programme_admin)
    assert f'href="{URL}"' in client.get(reverse("supervision:home")).content.decode()
    client.force_login(supervisee)
    assert f'href="{URL}"' not in client.get(reverse("supervision:home")).content.decode()


def test_the_page_costs_the_same_queries_for_one_entry_or_many(
    client, programme_admin, organisation, supervisor, django_assert_num_queries
):
    client.force_login(programme_admin)
    entry(organisation, actor=supervisor)
    # Session, user with own profile (organisation zone), roles, whether the admin
    # has two-factor set up, the actions for the filter, the count, the page of
    # entries with their actors (one join).
    with django_assert_num_queries(7):
        assert client.get(URL, {"actor": "trust"}).status_code == 200
    for minute in range(60):
        actor = UserFactory() if minute % 2 else supervisor
        entry(organisation, at=utc(2026, 11, 23, 10, minute % 60), actor=actor)
    with django_assert_num_queries(7):
        assert client.get(URL, {"actor": "trust"}).status_code == 200
