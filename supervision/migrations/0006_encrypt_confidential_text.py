"""Confidential free text encrypted at rest (supervision_site/encryption.py).

The columns become text; then the rows already there are encrypted in place
with the first key in FIELD_ENCRYPTION_KEYS. Reversing decrypts them first.
"""

from django.db import migrations

import supervision_site.encryption
from supervision_site.encryption import decrypt_existing_rows, encrypt_existing_rows

# The encrypted columns of this app, by model.
FIELDS = {
    "agreement": ["ground_rules", "confidentiality_limits"],
    "sessionrecord": ["agreed_actions", "escalated_to", "supervisee_comment"],
}


def encrypt_existing(apps, schema_editor):
    encrypt_existing_rows(apps, schema_editor, "supervision", FIELDS)


def decrypt_existing(apps, schema_editor):
    decrypt_existing_rows(apps, schema_editor, "supervision", FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0005_commitment_group_session_id"),
    ]

    operations = [
        migrations.AlterField(
            model_name="agreement",
            name="confidentiality_limits",
            field=supervision_site.encryption.EncryptedTextField(
                default="What we discuss stays between us. The only exceptions are a risk of serious harm to you or to others, a safeguarding concern, or a serious breach of professional standards: then the supervisor will tell you first, where it is safe to, and raise it under the organisation's policy. Attendance (that a session happened) is recorded for the programme; what was discussed is not shared.",
                verbose_name="the limits of confidentiality",
            ),
        ),
        migrations.AlterField(
            model_name="agreement",
            name="ground_rules",
            field=supervision_site.encryption.EncryptedTextField(
                default="We meet at the agreed time and protect it from interruption. Either of us can rearrange with notice. The supervisee brings what they want to reflect on; the supervisor listens, asks and supports, and does not manage. We both keep to what we agree to do.",
                verbose_name="ground rules",
            ),
        ),
        migrations.AlterField(
            model_name="sessionrecord",
            name="agreed_actions",
            field=supervision_site.encryption.EncryptedTextField(
                blank=True, max_length=4000, verbose_name="agreed actions"
            ),
        ),
        migrations.AlterField(
            model_name="sessionrecord",
            name="escalated_to",
            field=supervision_site.encryption.EncryptedCharField(
                blank=True, max_length=200, verbose_name="escalated to"
            ),
        ),
        migrations.AlterField(
            model_name="sessionrecord",
            name="supervisee_comment",
            field=supervision_site.encryption.EncryptedTextField(
                blank=True, max_length=4000, verbose_name="your comment"
            ),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
