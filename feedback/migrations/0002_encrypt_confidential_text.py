"""Confidential free text encrypted at rest (supervision_site/encryption.py).

The columns become text; then the rows already there are encrypted in place
with the first key in FIELD_ENCRYPTION_KEYS. Reversing decrypts them first.
"""

from django.db import migrations

import supervision_site.encryption
from supervision_site.encryption import decrypt_existing_rows, encrypt_existing_rows

# The encrypted columns of this app, by model.
FIELDS = {
    "feedbackanswer": ["text"],
    "journalentry": ["title", "sections"],
    "wellbeingcheckin": ["comment"],
}


def encrypt_existing(apps, schema_editor):
    encrypt_existing_rows(apps, schema_editor, "feedback", FIELDS)


def decrypt_existing(apps, schema_editor):
    decrypt_existing_rows(apps, schema_editor, "feedback", FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="feedbackanswer",
            name="text",
            field=supervision_site.encryption.EncryptedTextField(blank=True, max_length=4000),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="sections",
            field=supervision_site.encryption.EncryptedJSONField(default=dict),
        ),
        migrations.AlterField(
            model_name="journalentry",
            name="title",
            field=supervision_site.encryption.EncryptedCharField(
                max_length=200, verbose_name="title"
            ),
        ),
        migrations.AlterField(
            model_name="wellbeingcheckin",
            name="comment",
            field=supervision_site.encryption.EncryptedTextField(
                blank=True, max_length=2000, verbose_name="anything you would like to add"
            ),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
