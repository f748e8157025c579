"""Write the encryption-key sentinel with the keys in use (operations.sentinel)."""

from django.db import migrations

from operations.sentinel import write_sentinel_for_migration


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_initial")]

    operations = [
        migrations.RunPython(write_sentinel_for_migration, migrations.RunPython.noop),
    ]
