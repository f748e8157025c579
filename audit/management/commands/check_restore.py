"""Check that a restored database is whole: the checks of the restore drill.

`scripts/restore-drill` (`make restore-drill`) restores a backup into a fresh
database and runs this against it; run it yourself after a real restore. It
fails (exit status 1, naming the problem) unless:

- every confidential value decrypts with FIELD_ENCRYPTION_KEYS: read through
  the ORM, as the pages read them (a restore with the wrong keys would
  otherwise look healthy until someone opened a record);
- the audit trail is still append-only: an UPDATE and a DELETE of an audit
  entry are refused by the database's triggers (written and rolled back here);
- every uploaded file the database names is in MEDIA_ROOT.
"""

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, models, transaction

from audit.models import AuditEntry
from supervision_site.encryption import DecryptionError, models_with_encrypted_fields


def confidential_values_read() -> int:
    """How many non-empty encrypted values were read; DecryptionError names the model."""
    count = 0
    for model, fields in models_with_encrypted_fields():
        names = [field.name for field in fields]
        rows = model._base_manager.only(*names).order_by().iterator(chunk_size=500)
        try:
            for row in rows:
                count += sum(1 for name in names if getattr(row, name) not in (None, ""))
        except DecryptionError as error:
            raise CommandError(f"{model._meta.label}: {error}") from None
    return count


def audit_changes_refused() -> list[str]:
    """The statements the audit table's triggers let through (none, if they hold)."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    let_through = []
    with transaction.atomic():
        entry = AuditEntry.objects.create(
            action="restore.check",
            target_type="database",
            target_id="-",
            summary="Restore check (rolled back)",
        )
        statements: dict[str, tuple[str, list[str | int]]] = {
            "UPDATE": (f"UPDATE {table} SET summary = %s WHERE id = %s", ["x", entry.pk]),  # noqa: S608
            "DELETE": (f"DELETE FROM {table} WHERE id = %s", [entry.pk]),  # noqa: S608
        }
        for verb, (sql, params) in statements.items():
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, params)
            except DatabaseError:
                continue
            let_through.append(verb)
        transaction.set_rollback(True)
    return let_through


def uploaded_files() -> tuple[int, list[str]]:
    """(files found, names missing from MEDIA_ROOT) for every FileField value."""
    found, missing = 0, []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.FileField):
                continue
            names = model._base_manager.exclude(**{field.name: ""}).values_list(
                field.name, flat=True
            )
            for name in names.iterator(chunk_size=500):
                if default_storage.exists(name):
                    found += 1
                else:
                    missing.append(name)
    return found, missing


class Command(BaseCommand):
    help = (
        "Check a restored database: confidential text decrypts, the audit trail is "
        "append-only, and every uploaded file is in MEDIA_ROOT."
    )

    def handle(self, *args, **options):
        values = confidential_values_read()
        self.stdout.write(f"Confidential text: {values} value(s) decrypted with the keys given.")

        let_through = audit_changes_refused()
        if let_through:
            raise CommandError(
                f"The audit trail is not append-only: {' and '.join(let_through)} of an "
                "audit entry succeeded. Its triggers are missing (see "
                "audit/migrations/0002_append_only.py): restore with pg_restore from a "
                "custom-format dump, which keeps them."
            )
        self.stdout.write("Audit trail: UPDATE and DELETE refused by the database.")

        found, missing = uploaded_files()
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            raise CommandError(
                f"{len(missing)} uploaded file(s) named in the database are missing from "
                f"MEDIA_ROOT: {shown}. Restore the media archive taken with this database."
            )
        self.stdout.write(f"Uploaded files: all {found} present in MEDIA_ROOT.")
        self.stdout.write(self.style.SUCCESS("Restore check passed."))
