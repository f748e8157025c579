"""The audit trail becomes append-only, and remembers where a request came from.

A trigger refuses UPDATE and DELETE on the audit table:

- PostgreSQL: BEFORE UPDATE OR DELETE ... FOR EACH ROW raises (SQLSTATE 23001,
  restrict_violation, so Django raises IntegrityError). TRUNCATE is a different
  event and is not refused: it needs the table owner's privilege, and it is how
  `manage.py flush` (and so the test suite) empties a PostgreSQL database.
- SQLite: BEFORE UPDATE raises always. BEFORE DELETE raises unless the SQL
  function audit_purge_allowed() returns true. Django registers that function
  on each of its own SQLite connections (audit.db) and it returns true only
  inside `manage.py flush` (audit/management/commands/flush.py), which on
  SQLite empties tables with DELETE, where PostgreSQL uses TRUNCATE. A client
  that is not Django (the sqlite3 shell) has no such function, so its DELETE
  fails too.

On SQLite any later AlterField on this table rebuilds it and drops the
triggers; tests/audit/test_append_only.py fails if that happens, and the
migration doing it must create them again (see create_triggers below).

The actor becomes a bare id (DO_NOTHING, no constraint): with SET_NULL,
deleting a user would UPDATE audit rows, which the trigger refuses.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MESSAGE = "audit entries are append-only"

POSTGRESQL_CREATE = [
    f"""CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP USING ERRCODE = 'restrict_violation';
    END;
    $$;""",
    """CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON {table};",
    "DROP FUNCTION IF EXISTS audit_entry_append_only();",
]
SQLITE_CREATE = [
    f"""CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON {{table}}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END;""",
    f"""CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON {{table}}
    WHEN NOT audit_purge_allowed()
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update;",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete;",
]


def _run(schema_editor, apps, statements):
    table = schema_editor.quote_name(apps.get_model("audit", "AuditEntry")._meta.db_table)
    for statement in statements:
        # No parameters: the SQL holds a literal % that must not be read as one.
        schema_editor.execute(statement.format(table=table), params=None)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, apps, POSTGRESQL_CREATE)
    elif vendor == "sqlite":
        _run(schema_editor, apps, SQLITE_CREATE)
    else:
        raise NotImplementedError(f"No append-only trigger for {vendor}.")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, apps, POSTGRESQL_DROP)
    elif vendor == "sqlite":
        _run(schema_editor, apps, SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="ip_address",
            field=models.GenericIPAddressField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        # Last: on SQLite the AlterField above rebuilds the table.
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
