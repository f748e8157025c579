"""Why someone left or was removed from a group is encrypted at rest (issue 15).

As 0002: the column becomes text, then the rows already there are encrypted in
place with the first key in FIELD_ENCRYPTION_KEYS. Reversing decrypts them.
"""

from django.db import migrations

import supervision_site.encryption
from supervision_site.encryption import decrypt_existing_rows, encrypt_existing_rows

# The columns this migration encrypts, by model.
FIELDS = {
    "membership": ["reason"],
}


def encrypt_existing(apps, schema_editor):
    encrypt_existing_rows(apps, schema_editor, "peergroups", FIELDS)


def decrypt_existing(apps, schema_editor):
    decrypt_existing_rows(apps, schema_editor, "peergroups", FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("peergroups", "0003_kernel_models"),
    ]

    operations = [
        migrations.AlterField(
            model_name="membership",
            name="reason",
            field=supervision_site.encryption.EncryptedCharField(
                blank=True, max_length=300, verbose_name="reason"
            ),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
