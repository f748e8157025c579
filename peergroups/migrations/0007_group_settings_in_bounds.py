"""Issue 16: an offer time of 0 hours and a missed-meetings threshold of 0 mean
nothing, and 0006 refuses them. A group that has one is brought within the new
bounds first, in a migration of its own: PostgreSQL will not alter a table in
the transaction that has just updated its rows.
"""

from django.db import migrations

OFFER_HOURS = (1, 336)
ABSENCE_THRESHOLD = (1, 12)


def into_bounds(apps, schema_editor):
    Group = apps.get_model("peergroups", "Group")
    Group.objects.filter(offer_hours__lt=OFFER_HOURS[0]).update(offer_hours=OFFER_HOURS[0])
    Group.objects.filter(offer_hours__gt=OFFER_HOURS[1]).update(offer_hours=OFFER_HOURS[1])
    Group.objects.filter(absence_threshold__lt=ABSENCE_THRESHOLD[0]).update(
        absence_threshold=ABSENCE_THRESHOLD[0]
    )
    Group.objects.filter(absence_threshold__gt=ABSENCE_THRESHOLD[1]).update(
        absence_threshold=ABSENCE_THRESHOLD[1]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("peergroups", "0006_themes_and_external_facilitators"),
    ]

    operations = [
        migrations.RunPython(into_bounds, migrations.RunPython.noop, elidable=True),
    ]
