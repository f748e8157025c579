"""Nobody can be in two sessions at once, enforced by PostgreSQL itself.

An exclusion constraint over (user, time range) needs btree_gist for the
equality part. SQLite has no such constraint; there the booking service
serialises writers and checks for overlaps before it writes.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE supervision_commitment
    ADD CONSTRAINT commitment_no_overlap
    EXCLUDE USING gist (user_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&);
"""
DROP = "ALTER TABLE supervision_commitment DROP CONSTRAINT IF EXISTS commitment_no_overlap;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_one_to_one")]

    operations = [migrations.RunPython(create, drop)]
