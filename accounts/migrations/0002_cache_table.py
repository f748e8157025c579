"""Create the database cache table with the rest of the schema.

With no Redis, the cache (allauth's sign-in rate limits among others) lives in
the database; `migrate` alone must leave a working site.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
