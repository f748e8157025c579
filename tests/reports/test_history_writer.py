"""How generated history is written: COPY on PostgreSQL, multi-row INSERTs elsewhere,
the same rows either way and for the same seed, and every foreign key checked.

A benchmark history is compared table by table, row by row, ids included (the
ids are handed out again for the second run) and encrypted text decrypted (a
token differs at every encryption).
"""

import datetime

import pytest
from django.apps import apps
from django.db import connection, models, transaction

from kernel.models import Department
from nonprod.history import generate_benchmark_history
from nonprod.history import writer as history_writer
from nonprod.history.writer import ForeignKeyMissing, Writer, foreign_keys_checked_in_bulk
from reports.models import ActivityRollup
from supervision.models import Commitment
from tests.factories import UserFactory

HOUR = datetime.timedelta(hours=1)

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY and replication roles are PostgreSQL's"
)

SKIPPED_APPS = {"audit"}  # the run's audit entries carry the (real) time they were written


def _everything():
    """{table: rows in id order} of every table with rows; roll-ups without their ids,
    which follow the order the database returns the facts in."""
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in SKIPPED_APPS:
            fields = list(model._meta.concrete_fields)
            if model is ActivityRollup:
                fields = [f for f in fields if not f.primary_key]
            rows = sorted(model._default_manager.values_list(*[f.attname for f in fields]))
            if rows:
                tables[model._meta.db_table] = rows
    return tables


def _sequences() -> dict:
    """{sequence: (last value, is_called)} of every table's id (PostgreSQL's sequences
    are not rolled back with the transaction that used them; SQLite's are)."""
    if connection.vendor != "postgresql":
        return {}
    found = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if isinstance(model._meta.pk, models.AutoField):
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s)",
                    [model._meta.db_table, model._meta.pk.column],
                )
                (name,) = cursor.fetchone()
                if name:
                    cursor.execute(f"SELECT last_value, is_called FROM {name}")  # noqa: S608
                    found[name] = cursor.fetchone()
    return found


def _history_rows():
    """A small benchmark history's rows, rolled back and its ids handed out again next time."""
    sequences = _sequences()
    with transaction.atomic():
        generate_benchmark_history(organisations=2, staff=150, sessions=600, months=8, seed=5)
        rows = _everything()
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        for name, (value, called) in sequences.items():
            cursor.execute("SELECT setval(%s, %s, %s)", [name, value, called])
    return rows


def test_the_same_seed_at_the_same_moment_gives_the_same_rows_in_every_table(frozen_now):
    first = _history_rows()
    assert {"supervision_session", "feedback_feedbackanswer", "reports_activityrollup"} <= set(
        first
    )
    assert first == _history_rows()


@postgresql_only
def test_copy_writes_exactly_the_rows_inserts_write(frozen_now, monkeypatch):
    copied = _history_rows()
    monkeypatch.setattr(history_writer, "_copy", history_writer._insert)
    inserted = _history_rows()
    assert copied == inserted


def test_text_with_tabs_newlines_and_backslashes_is_written_as_it_is(organisation, frozen_now):
    name = 'Ward\t3\\4 "east"\nnight\r\nshift, ñ'
    (made,) = Writer(frozen_now).add(Department, [Department(organisation=organisation, name=name)])
    assert Department.objects.get(pk=made.pk).name == name


@postgresql_only
def test_a_row_whose_foreign_key_is_missing_fails_the_run(frozen_now):
    writer = Writer(frozen_now)
    row = {"starts_at": frozen_now, "ends_at": frozen_now + HOUR, "group_session_id": None}
    with transaction.atomic(), foreign_keys_checked_in_bulk(writer):
        writer.rows(Commitment, [{**row, "user_id": UserFactory().pk, "session_id": None}])
    with (
        pytest.raises(ForeignKeyMissing, match=r"supervision_commitment\.session_id = 987654"),
        transaction.atomic(),
        foreign_keys_checked_in_bulk(writer),
    ):
        writer.rows(Commitment, [{**row, "user_id": UserFactory().pk, "session_id": 987654}])
