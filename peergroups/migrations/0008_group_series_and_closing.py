"""Issue 16: groups close with a reason and keep their calendar series; a meeting
records when its register was taken; meaningless settings are refused (0005 first
brought existing groups within the bounds)."""

import django.core.validators
import django.db.models.deletion
import supervision_site.choices
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kernel", "0002_programme_late_moves"),
        ("peergroups", "0007_group_settings_in_bounds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="GroupSeries",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("sequence", models.PositiveIntegerField(default=0)),
                (
                    "recurrence",
                    models.CharField(
                        choices=[
                            ("weekly", "Every week"),
                            ("fortnightly", "Every two weeks"),
                            ("monthly", "Every month"),
                        ],
                        max_length=16,
                    ),
                ),
                ("weekday", models.PositiveSmallIntegerField()),
                ("week_of_month", models.PositiveSmallIntegerField(default=1)),
                ("start_time", models.TimeField()),
                ("end_time", models.TimeField()),
                ("first_date", models.DateField()),
                ("until", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["group", "first_date"],
            },
            bases=(supervision_site.choices.ChoiceLabels, models.Model),
        ),
        migrations.AddField(
            model_name="group",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="group",
            name="closed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="group",
            name="closed_reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="reason for closing"),
        ),
        migrations.AddField(
            model_name="groupsession",
            name="register_taken_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="group",
            name="absence_threshold",
            field=models.PositiveSmallIntegerField(
                default=2,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(12),
                ],
                verbose_name="flag members who miss this many meetings in a row without apologies",
            ),
        ),
        migrations.AlterField(
            model_name="group",
            name="offer_hours",
            field=models.PositiveSmallIntegerField(
                default=72,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(336),
                ],
                verbose_name="hours to accept an offered place",
            ),
        ),
        migrations.AlterField(
            model_name="membership",
            name="state",
            field=models.CharField(
                choices=[
                    ("requested", "Asked to join"),
                    ("active", "Member"),
                    ("waiting", "On the waiting list"),
                    ("offered", "Offered a place"),
                    ("declined", "Declined"),
                    ("left", "Left"),
                    ("removed", "Removed"),
                    ("closed", "The group closed"),
                ],
                default="requested",
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="group",
            constraint=models.CheckConstraint(
                condition=models.Q(("offer_hours__gte", 1), ("offer_hours__lte", 336)),
                name="group_offer_hours_sensible",
            ),
        ),
        migrations.AddConstraint(
            model_name="group",
            constraint=models.CheckConstraint(
                condition=models.Q(("absence_threshold__gte", 1), ("absence_threshold__lte", 12)),
                name="group_absence_threshold_sensible",
            ),
        ),
        migrations.AddField(
            model_name="groupseries",
            name="group",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="series",
                to="peergroups.group",
            ),
        ),
        migrations.AddConstraint(
            model_name="groupseries",
            constraint=models.UniqueConstraint(
                fields=("group", "first_date"), name="one_series_per_start"
            ),
        ),
        migrations.AddConstraint(
            model_name="groupseries",
            constraint=models.CheckConstraint(
                condition=models.Q(("end_time__gt", models.F("start_time"))),
                name="series_ends_after_start",
            ),
        ),
    ]
