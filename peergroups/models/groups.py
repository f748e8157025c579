"""Groups: small, stable, facilitated, meeting on a recurrence (seeds 000, 003, 004)."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.models import EligibilityRule, Organisation, Programme, Theme
from supervision.models.supervisors import DeliveryFields
from supervision_site.choices import ChoiceLabels
from supervision_site.encryption import EncryptedCharField, EncryptedTextField


class GroupType(models.TextChoices):
    GROUP_SUPERVISION = "group_supervision", _("Group clinical supervision")
    PRECEPTORSHIP = "preceptorship", _("Preceptorship group")
    REFLECTIVE_PRACTICE = "reflective_practice", _("Reflective practice group")
    PEER_SUPPORT = "peer_support", _("Peer support group")
    FACILITATORS = "facilitators", _("Facilitators' supervision group")


class Recurrence(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Every month")


# How long an offered place is held, and how many missed meetings flag a member:
# zero would mean "no time to answer" and "flag everyone", so neither is allowed.
OFFER_HOURS = (1, 336)  # up to two weeks
ABSENCE_THRESHOLD = (1, 12)


class GroupQuerySet(models.QuerySet):
    def open(self):
        """Groups that run: not closed. Lists and the "active groups" figures use this."""
        return self.filter(is_active=True)

    def closed(self):
        return self.filter(is_active=False)

    def with_places_left(self):
        """`places_left`: places not held by a member or by someone offered one.

        The one rule for "places" (services.groups.places_left is the same count).
        """
        held = models.Count(
            "memberships",
            filter=Q(memberships__state__in=["active", "offered"]),
            distinct=True,
        )
        return self.annotate(places_held=held).annotate(
            places_left=models.F("capacity") - models.F("places_held")
        )


class Group(DeliveryFields, EligibilityRule):
    """A group with a stable membership, one or two facilitators and a recurrence.

    Times are the host organisation's wall-clock times; each meeting is stored
    in UTC as a GroupSession, generated for a rolling horizon. Who may join is
    the same kind of rule as a programme's (EligibilityRule: bands, professions,
    departments), with the organisations it is open to: its host, and others
    when `open_to_other_organisations` (all of them, or only those listed). A
    closed group (is_active false) keeps its meetings, registers and records.
    """

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="groups")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="groups",
        verbose_name=_("host organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    group_type = models.CharField(_("type"), max_length=32, choices=GroupType.choices)
    capacity = models.PositiveSmallIntegerField(_("places"), default=8)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="facilitated_groups", verbose_name=_("facilitators")
    )
    open_to_other_organisations = models.BooleanField(
        _("members may come from other organisations"), default=False
    )
    eligible_organisations = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="+",
        verbose_name=_("other organisations whose staff may join"),
        help_text=_("Leave empty for any organisation."),
    )
    recurrence = models.CharField(
        _("how often"), max_length=16, choices=Recurrence.choices, default=Recurrence.MONTHLY
    )
    weekday = models.PositiveSmallIntegerField(_("day of the week"))  # Monday = 0
    # For monthly groups: the 1st-4th such weekday of the month, or 5 for the last.
    week_of_month = models.PositiveSmallIntegerField(_("which week of the month"), default=1)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    starts_on = models.DateField(_("first meeting on or after"))
    ends_on = models.DateField(_("last meeting on or before"), null=True, blank=True)
    offer_hours = models.PositiveSmallIntegerField(
        _("hours to accept an offered place"),
        default=72,
        validators=[MinValueValidator(OFFER_HOURS[0]), MaxValueValidator(OFFER_HOURS[1])],
    )
    absence_threshold = models.PositiveSmallIntegerField(
        _("flag members who miss this many meetings in a row without apologies"),
        default=2,
        validators=[
            MinValueValidator(ABSENCE_THRESHOLD[0]),
            MaxValueValidator(ABSENCE_THRESHOLD[1]),
        ],
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(_("reason for closing"), max_length=300, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=2, capacity__lte=20), name="group_capacity_sensible"
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="group_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(weekday__lte=6) & Q(week_of_month__gte=1, week_of_month__lte=5),
                name="group_weekday_valid",
            ),
            models.CheckConstraint(
                condition=Q(offer_hours__gte=OFFER_HOURS[0], offer_hours__lte=OFFER_HOURS[1]),
                name="group_offer_hours_sensible",
            ),
            models.CheckConstraint(
                condition=Q(
                    absence_threshold__gte=ABSENCE_THRESHOLD[0],
                    absence_threshold__lte=ABSENCE_THRESHOLD[1],
                ),
                name="group_absence_threshold_sensible",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("peergroups:group", kwargs={"pk": self.pk})


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(state__in=Membership.CURRENT)


class Membership(ChoiceLabels, models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("Asked to join")
        ACTIVE = "active", _("Member")
        WAITING = "waiting", _("On the waiting list")
        OFFERED = "offered", _("Offered a place")
        DECLINED = "declined", _("Declined")
        LEFT = "left", _("Left")
        REMOVED = "removed", _("Removed")
        CLOSED = "closed", _("The group closed")

    CURRENT = (State.REQUESTED, State.ACTIVE, State.WAITING, State.OFFERED)

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.REQUESTED)
    requested_at = models.DateTimeField(auto_now_add=True)
    # Order on the waiting list: when they joined it.
    waiting_since = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = EncryptedCharField(_("reason"), max_length=300, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["group", "state", "waiting_since", "requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(state__in=["requested", "active", "waiting", "offered"]),
                name="one_current_membership",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.state})"


class GroupSession(ChoiceLabels, models.Model):
    """One meeting of a group, in UTC. Movable and cancellable one by one."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="sessions")
    # The date the recurrence gave it, so a moved meeting keeps its identity.
    occurrence = models.DateField()
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    sequence = models.PositiveIntegerField(default=0)
    # When the register was saved, even with nobody on it (a meeting before anyone joined).
    register_taken_at = models.DateTimeField(null=True, blank=True)
    # Not stored: the group views set them (meeting_when, services.teams.with_join_links).
    when_text: str
    join_link: str

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["group", "occurrence"], name="one_meeting_per_date"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="group_session_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.starts_at:%Y-%m-%d %H:%M}Z"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("peergroups:session", kwargs={"pk": self.pk})

    def has_happened(self, now) -> bool:
        """Ended and not cancelled."""
        return self.status != self.Status.CANCELLED and self.ends_at <= now


class Attendance(ChoiceLabels, models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        APOLOGIES = "apologies", _("Apologies")
        ABSENT = "absent", _("Absent")

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="register")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_attendance"
    )
    status = models.CharField(max_length=16, choices=Status.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_mark_per_meeting"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status}"


class GroupRecord(models.Model):
    """What a meeting covered, written by the facilitators: themes, never names."""

    session = models.OneToOneField(GroupSession, on_delete=models.CASCADE, related_name="record")
    functions = models.JSONField(_("functions covered"), default=list, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="+")
    notes = EncryptedTextField(_("notes for the group"), blank=True, max_length=4000)
    systemic_issues = EncryptedTextField(
        _("systemic issues to raise with the organisation"),
        blank=True,
        max_length=4000,
        help_text=_("Fed back without identifying anyone."),
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    written_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Record of group meeting {self.session_id}"
