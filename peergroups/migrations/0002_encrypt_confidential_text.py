"""Confidential free text encrypted at rest (supervision_site/encryption.py).

The columns become text; then the rows already there are encrypted in place
with the first key in FIELD_ENCRYPTION_KEYS. Reversing decrypts them first.
"""

from django.db import migrations

import supervision_site.encryption
from supervision_site.encryption import decrypt_existing_rows, encrypt_existing_rows

# The encrypted columns of this app, by model.
FIELDS = {
    "grouprecord": ["notes", "systemic_issues"],
    "supportrequest": ["contact_detail", "note"],
    "checkin": ["notes"],
}


def encrypt_existing(apps, schema_editor):
    encrypt_existing_rows(apps, schema_editor, "peergroups", FIELDS)


def decrypt_existing(apps, schema_editor):
    decrypt_existing_rows(apps, schema_editor, "peergroups", FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("peergroups", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="checkin",
            name="notes",
            field=supervision_site.encryption.EncryptedTextField(
                blank=True, max_length=4000, verbose_name="notes"
            ),
        ),
        migrations.AlterField(
            model_name="grouprecord",
            name="notes",
            field=supervision_site.encryption.EncryptedTextField(
                blank=True, max_length=4000, verbose_name="notes for the group"
            ),
        ),
        migrations.AlterField(
            model_name="grouprecord",
            name="systemic_issues",
            field=supervision_site.encryption.EncryptedTextField(
                blank=True,
                help_text="Fed back without identifying anyone.",
                max_length=4000,
                verbose_name="systemic issues to raise with the organisation",
            ),
        ),
        migrations.AlterField(
            model_name="supportrequest",
            name="contact_detail",
            field=supervision_site.encryption.EncryptedCharField(
                blank=True, max_length=200, verbose_name="contact details"
            ),
        ),
        migrations.AlterField(
            model_name="supportrequest",
            name="note",
            field=supervision_site.encryption.EncryptedTextField(
                blank=True, verbose_name="anything you would like your supporter to know"
            ),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
