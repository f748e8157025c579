"""What a notification still to be sent carries is encrypted at rest (issue 15).

As supervision 0006: the column becomes text, then the rows already there are
encrypted in place with the first key in FIELD_ENCRYPTION_KEYS. Reversing
decrypts them.
"""

from django.db import migrations

import supervision_site.encryption
from supervision_site.encryption import decrypt_existing_rows, encrypt_existing_rows

# The columns this migration encrypts, by model.
FIELDS = {
    "notification": ["payload"],
}


def encrypt_existing(apps, schema_editor):
    encrypt_existing_rows(apps, schema_editor, "notifications", FIELDS)


def decrypt_existing(apps, schema_editor):
    decrypt_existing_rows(apps, schema_editor, "notifications", FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_notification_url"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notification",
            name="payload",
            field=supervision_site.encryption.EncryptedJSONField(blank=True, default=dict),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
