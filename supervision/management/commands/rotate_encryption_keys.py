"""Re-encrypt every encrypted column under the first key in FIELD_ENCRYPTION_KEYS.

The rotation (README, "Encryption keys"): put the new key first in the list
and deploy, run this command, then remove the old key. Running it again finds
nothing to do; stopping it half-way loses nothing (each batch commits alone).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, router

from accounts.mfa import authenticator_secrets_rotate
from operations.sentinel import sentinel_rotate
from supervision_site.encryption import (
    DecryptionError,
    configured_keys,
    models_with_encrypted_fields,
    rewrite_columns,
    rotate_token,
)


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first key in FIELD_ENCRYPTION_KEYS, "
        "so older keys can then be removed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Rows per transaction (default 500).",
        )

    def handle(self, *args, batch_size=500, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        keys = configured_keys()
        self.stdout.write(f"{len(keys)} key(s) configured; re-encrypting under the first.")
        total_rewritten = total_current = 0
        for model, fields in models_with_encrypted_fields():
            connection = connections[router.db_for_write(model)]
            try:
                count = rewrite_columns(
                    connection,
                    table=model._meta.db_table,
                    pk_column=model._meta.pk.column,
                    columns=[field.column for field in fields],
                    transform=rotate_token,
                    batch_size=batch_size,
                )
            except DecryptionError as error:
                raise CommandError(f"{model._meta.label}: {error}") from None
            names = ", ".join(field.name for field in fields)
            self.stdout.write(
                f"{model._meta.label} ({names}): {count.rewritten} re-encrypted, "
                f"{count.unchanged} already under the current key"
            )
            total_rewritten += count.rewritten
            total_current += count.unchanged
        rewritten, current = authenticator_secrets_rotate()
        self.stdout.write(
            f"Authenticator app secrets: {rewritten} re-encrypted, {current} already under "
            "the current key"
        )
        total_rewritten += rewritten
        total_current += current
        # The known text that tells a process at start-up whether its keys are right.
        self.stdout.write(f"Encryption key sentinel: {sentinel_rotate()}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {total_rewritten} value(s) re-encrypted, {total_current} already "
                "under the current key. Older keys can now be removed from "
                "FIELD_ENCRYPTION_KEYS."
            )
        )
