import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.models import Programme, Theme
from supervision_site.encryption import EncryptedCharField, EncryptedTextField

from .agreements import Agreement
from .supervisors import DeliveryFields


class SessionQuerySet(models.QuerySet):
    def involving(self, user):
        return self.filter(Q(supervisor=user) | Q(supervisee=user))

    def not_cancelled(self):
        return self.exclude(status=Session.Status.CANCELLED)

    def upcoming(self, now=None):
        return self.filter(status=Session.Status.BOOKED, ends_at__gt=now or timezone.now())

    def unlogged(self, now=None):
        """Sessions that have ended but the supervisor has not yet logged."""
        return self.filter(status=Session.Status.BOOKED, ends_at__lte=now or timezone.now())

    def happened(self, now=None):
        """Sessions that have ended and were held (Session.has_happened, as a filter)."""
        return self.exclude(status__in=Session.NOT_HELD).filter(ends_at__lte=now or timezone.now())

    def listed(self, *extra: str):
        """Sessions as a list shows them (supervision/sessions/table.html, the home page's
        next sessions): when, in the organisation's zone; with whom; the programme; the
        status; and `extra` fields. Only those columns: a session with its programme,
        organisation and both people is 77 columns, and Django builds and hashes each
        one of an ordered query (a third of the session history page's CPU:
        bench/inprocess.py)."""
        return self.select_related("programme__organisation", "supervisor", "supervisee").only(
            *LISTED_FIELDS, *extra
        )

    def tabled(self):
        """Sessions as the session tables show them (supervision.presenters): listed(),
        with whether the supervisee has confirmed the shared record. The record's
        content (encrypted) is neither fetched nor decrypted for a list."""
        return self.listed("record__supervisee_confirmed_at").select_related("record")


LISTED_FIELDS = (
    "starts_at",
    "ends_at",
    "status",
    "late_cancellation",
    "programme__name",
    "programme__organisation__time_zone",
    *(
        f"{person}__{name}"
        for person in ("supervisor", "supervisee")
        for name in ("first_name", "last_name")
    ),
)


class Session(DeliveryFields):
    """A one-to-one supervision session. Times are UTC."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        ATTENDED = "attended", _("Attended")
        DID_NOT_ATTEND = "did_not_attend", _("Did not attend")
        CANCELLED = "cancelled", _("Cancelled")

    class CancelledBy(models.TextChoices):
        SUPERVISOR = "supervisor", _("Supervisor")
        SUPERVISEE = "supervisee", _("Supervisee")

    # Statuses of a session that did not take place, whatever its time.
    NOT_HELD = (Status.CANCELLED, Status.DID_NOT_ATTEND)

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="sessions")
    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions_as_supervisor"
    )
    supervisee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions_as_supervisee"
    )
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.BOOKED, db_index=True
    )
    cancelled_by = models.CharField(max_length=16, choices=CancelledBy.choices, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = EncryptedCharField(_("reason"), max_length=300, blank=True)
    late_cancellation = models.BooleanField(default=False)
    # Moved by the supervisee when already inside the programme's notice period:
    # the session stays late, so a later cancellation of it is a late one too.
    moved_late = models.BooleanField(default=False)
    # Bumped on every change the calendar invite must reflect (RFC 5546).
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["supervisor", "starts_at"]),
            models.Index(fields=["supervisee", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(supervisor=models.F("supervisee")), name="session_not_with_self"
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_at__isnull=False)
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
                name="session_cancelled_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.starts_at:%Y-%m-%d %H:%M}Z"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("supervision:session", kwargs={"pk": self.pk})

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def status_words(self, now) -> str:
        """The status as people need it: a booked session that has ended is waiting
        for its record, not still "Booked"."""
        if self.status == self.Status.BOOKED and self.ends_at <= now:
            return str(_("Waiting for the record"))
        return str(self.get_status_display())

    def has_happened(self, now) -> bool:
        """Ended, and neither cancelled nor missed (its record may not be logged yet)."""
        return self.status not in self.NOT_HELD and self.ends_at <= now

    def role_of(self, user) -> str:
        return "supervisor" if user.pk == self.supervisor_id else "supervisee"

    def other_person(self, user):
        return self.supervisee if user.pk == self.supervisor_id else self.supervisor


class Commitment(models.Model):
    """Time a person has promised to a session, so nobody is in two at once.

    One row per person per session (one-to-one now, group sessions later). On
    PostgreSQL an exclusion constraint (migration 0003) forbids two rows of one
    person whose times overlap, so two simultaneous bookings cannot both win.
    On SQLite every transaction begins IMMEDIATE (settings), so bookers take
    turns and the service's overlap check is decisive.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="commitments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="commitments"
    )
    # A group meeting (peergroups.GroupSession) by id: that app owns the table.
    group_session_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="commitment_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} busy {self.starts_at:%Y-%m-%d %H:%M}Z"


class SessionRecord(models.Model):
    """The shared record of a session: seen by its supervisor and supervisee only."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="record")
    actual_minutes = models.PositiveSmallIntegerField(
        _("how long it lasted (minutes)"), null=True, blank=True
    )
    functions = models.JSONField(_("functions covered"), default=list, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="+")
    agreed_actions = EncryptedTextField(_("agreed actions"), blank=True, max_length=4000)
    escalated = models.BooleanField(_("a concern was escalated"), default=False)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    escalated_to = EncryptedCharField(_("escalated to"), max_length=200, blank=True)
    supervisee_comment = EncryptedTextField(_("your comment"), blank=True, max_length=4000)
    supervisee_confirmed_at = models.DateTimeField(null=True, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    logged_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(escalated=False) | Q(escalated_on__isnull=False),
                name="escalation_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Record of session {self.session_id}"


class AllowanceExtra(models.Model):
    """Extra sessions granted to one person in one programme, with a reason."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="extras")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="allowance_extras"
    )
    sessions = models.PositiveSmallIntegerField(_("extra sessions"), default=1)
    reason = EncryptedCharField(_("reason"), max_length=300)
    valid_from = models.DateField()
    valid_until = models.DateField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Revoked: no longer counted; kept, with who revoked it and why, for the record.
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = EncryptedCharField(_("reason for revoking"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions__gte=1), name="extra_is_at_least_one_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sessions} extra for user {self.user_id} in {self.programme_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
