"""The reasons and the agreed frequency people type are encrypted at rest (issue 15).

As 0006: the columns become text, then the rows already there are encrypted in
place with the first key in FIELD_ENCRYPTION_KEYS. Reversing decrypts them.
"""

from django.db import migrations

import supervision_site.encryption
from supervision_site.encryption import decrypt_existing_rows, encrypt_existing_rows

# The columns this migration encrypts, by model.
FIELDS = {
    "agreement": ["end_reason", "frequency"],
    "allowanceextra": ["reason"],
    "availabilityexception": ["reason"],
    "session": ["cancellation_reason"],
}


def encrypt_existing(apps, schema_editor):
    encrypt_existing_rows(apps, schema_editor, "supervision", FIELDS)


def decrypt_existing(apps, schema_editor):
    decrypt_existing_rows(apps, schema_editor, "supervision", FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0010_agreement_request_message"),
    ]

    operations = [
        migrations.AlterField(
            model_name="agreement",
            name="end_reason",
            field=supervision_site.encryption.EncryptedCharField(
                blank=True, max_length=300, verbose_name="reason for ending"
            ),
        ),
        migrations.AlterField(
            model_name="agreement",
            name="frequency",
            field=supervision_site.encryption.EncryptedCharField(
                default="Monthly, for one hour", max_length=200, verbose_name="how often we meet"
            ),
        ),
        migrations.AlterField(
            model_name="allowanceextra",
            name="reason",
            field=supervision_site.encryption.EncryptedCharField(
                max_length=300, verbose_name="reason"
            ),
        ),
        migrations.AlterField(
            model_name="availabilityexception",
            name="reason",
            field=supervision_site.encryption.EncryptedCharField(
                blank=True, max_length=200, verbose_name="reason"
            ),
        ),
        migrations.AlterField(
            model_name="session",
            name="cancellation_reason",
            field=supervision_site.encryption.EncryptedCharField(
                blank=True, max_length=300, verbose_name="reason"
            ),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
