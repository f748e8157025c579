"""The audit table is append-only in the database itself, on PostgreSQL and SQLite."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEntry
from audit.services import audit_log
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(organisation, programme_admin):
    return audit_log(
        actor=programme_admin,
        action="department.added",
        target=organisation,
        organisation_id=organisation.pk,
        summary="Added department Wards",
    )


def assert_refused(statement):
    """Run `statement` in its own savepoint: the database must refuse it."""
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        statement()


def _raw(sql, *params):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


def test_changing_an_entry_through_the_orm_is_refused(entry):
    entry.summary = "Nothing happened"
    assert_refused(entry.save)
    assert_refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(summary="Nothing"))
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Added department Wards"


def test_deleting_an_entry_through_the_orm_is_refused(entry):
    assert_refused(entry.delete)
    assert_refused(AuditEntry.objects.all().delete)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_raw_sql_cannot_change_or_delete_an_entry(entry):
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    assert_refused(_raw(f"UPDATE {table} SET summary = %s WHERE id = %s", "x", entry.pk))  # noqa: S608
    assert_refused(_raw(f"UPDATE {table} SET actor_id = NULL"))  # noqa: S608
    assert_refused(_raw(f"DELETE FROM {table} WHERE id = %s", entry.pk))  # noqa: S608
    assert_refused(_raw(f"DELETE FROM {table}"))  # noqa: S608
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Added department Wards"


def test_new_entries_can_still_be_written(entry, organisation):
    audit_log(actor=None, action="x.y", target=organisation, summary="Another")
    assert AuditEntry.objects.count() == 2


def test_deleting_a_user_leaves_their_entries_and_their_id(organisation):
    user = UserFactory()
    written = audit_log(actor=user, action="x.y", target=organisation, summary="Did a thing")
    user_id = user.pk

    user.delete()  # would UPDATE the entry with on_delete=SET_NULL, and be refused

    kept = AuditEntry.objects.select_related("actor").get(pk=written.pk)
    assert kept.actor_id == user_id
    assert kept.actor is None


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_database_for_a_fresh_start(organisation):
    # PostgreSQL's flush uses TRUNCATE; SQLite's uses DELETE, allowed only inside flush.
    audit_log(actor=None, action="x.y", target=organisation, summary="Before the flush")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists()
