from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from kernel.models import Programme
from supervision_site.encryption import EncryptedCharField, EncryptedTextField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DEFAULT_GROUND_RULES = _(
    "We meet at the agreed time and protect it from interruption. Either of us can "
    "rearrange with notice. The supervisee brings what they want to reflect on; the "
    "supervisor listens, asks and supports, and does not manage. We both keep to what "
    "we agree to do."
)
DEFAULT_CONFIDENTIALITY = _(
    "What we discuss stays between us. The only exceptions are a risk of serious harm "
    "to you or to others, a safeguarding concern, or a serious breach of professional "
    "standards: then the supervisor will tell you first, where it is safe to, and raise "
    "it under the organisation's policy. Attendance (that a session happened) is "
    "recorded for the programme; what was discussed is not shared."
)


class AgreementQuerySet(models.QuerySet):
    def current(self):
        """Agreements not ended: proposed or active."""
        return self.filter(ended_at__isnull=True)

    def active(self):
        return self.current().filter(
            supervisor_accepted_at__isnull=False, supervisee_accepted_at__isnull=False
        )

    def with_first_session(self):
        """Each annotated `has_first_session`: a session (cancelled ones aside) is booked
        under it (Agreement.awaiting_first_session reads it)."""
        from .sessions import Session

        kept = Session.objects.filter(agreement=OuterRef("pk")).exclude(
            status=Session.Status.CANCELLED
        )
        return self.annotate(has_first_session=Exists(kept))


class Agreement(models.Model):
    """The supervision contract, which both people accept before the first session."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for acceptance")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="agreements")
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agreements_as_supervisor"
    )
    supervisee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agreements_as_supervisee"
    )
    ground_rules = EncryptedTextField(_("ground rules"), default=DEFAULT_GROUND_RULES)
    # Free text ("fortnightly, except when I am on nights"): a person's words.
    frequency = EncryptedCharField(
        _("how often we meet"), max_length=200, default=_("Monthly, for one hour")
    )
    confidentiality_limits = EncryptedTextField(
        _("the limits of confidentiality"), default=DEFAULT_CONFIDENTIALITY
    )
    start_date = models.DateField(_("start date"))
    review_date = models.DateField(_("review date"))
    supervisor_accepted_at = models.DateTimeField(null=True, blank=True)
    supervisee_accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    end_reason = EncryptedCharField(_("reason for ending"), max_length=300, blank=True)
    request_message = EncryptedTextField(_("message to the supervisor"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "supervisor", "supervisee"],
                condition=Q(ended_at__isnull=True),
                name="one_current_agreement_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(supervisor=models.F("supervisee")),
                name="agreement_not_with_self",
            ),
            models.CheckConstraint(
                condition=Q(review_date__gt=models.F("start_date")),
                name="agreement_review_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supervisee} with {self.supervisor}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("supervision:agreement", kwargs={"pk": self.pk})

    def other_person(self, user):
        return self.supervisee if user.pk == self.supervisor_id else self.supervisor

    @property
    def status(self) -> str:
        if self.ended_at:
            return self.Status.ENDED
        if self.supervisor_accepted_at and self.supervisee_accepted_at:
            return self.Status.ACTIVE
        return self.Status.PROPOSED

    def get_status_display(self) -> "StrOrPromise":
        return self.Status(self.status).label

    @property
    def awaiting_first_session(self) -> bool:
        """Active, with no session booked under it yet (cancelled ones aside). Read on
        agreements fetched with AgreementQuerySet.with_first_session()."""
        return self.status == self.Status.ACTIVE and not self.has_first_session  # type: ignore[attr-defined]

    def accepted_by(self, user) -> bool:
        if user.pk == self.supervisor_id:
            return self.supervisor_accepted_at is not None
        return self.supervisee_accepted_at is not None
