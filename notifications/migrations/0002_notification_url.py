"""A sent notification keeps its link in a column of its own, and no payload (issue 15).

Delivery is the only use of a payload, and it may carry a person's words (why a
session or a group meeting was moved). Rows already sent, cancelled or failed
give theirs up here; a sent row's link, which the in-app list shows, moves to
`url` first. Reversing puts the link back into the payload.
"""

from django.db import migrations, models
from django.db.models import F, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, JSONObject

ENDED = ["sent", "cancelled", "failed"]


def drop_spent_payloads(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(state="sent").update(
        url=Coalesce(KT("payload__url"), Value("")), payload={}
    )
    Notification.objects.filter(state__in=ENDED).update(payload={})


def links_back_into_payloads(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(state="sent").exclude(url="").update(
        payload=JSONObject(url=F("url"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="url",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.RunPython(drop_spent_payloads, links_back_into_payloads, elidable=False),
    ]
