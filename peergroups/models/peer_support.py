"""Peer support after hard events (seed 001), and the supporters' resource library."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.models import Organisation
from supervision_site.choices import ChoiceLabels
from supervision_site.encryption import EncryptedCharField, EncryptedTextField


class PeerSupporterProfile(models.Model):
    """A trained volunteer who checks in on colleagues."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="peer_supporter"
    )
    available = models.BooleanField(_("available for new requests"), default=True)
    capacity = models.PositiveSmallIntegerField(_("most people supported at once"), default=3)
    trained_on = models.DateField(_("trained on"), null=True, blank=True)
    training = models.CharField(_("training course"), max_length=200, blank=True)
    refresher_due = models.DateField(_("refresher due"), null=True, blank=True)

    def __str__(self) -> str:
        return str(self.user)


class EventKind(models.TextChoices):
    ADVERSE_EVENT = "adverse_event", _("An adverse event or medical error")
    PATIENT_DEATH = "patient_death", _("A patient's death")
    VIOLENCE = "violence", _("Violence or aggression")
    OTHER = "other", _("Something else")


class ContactMode(models.TextChoices):
    PHONE = "phone", _("Phone call")
    TEAMS = "teams", _("Video call")
    IN_PERSON = "in_person", _("In person")
    EMAIL = "email", _("Email")


class Outcome(models.TextChoices):
    NO_FURTHER = "no_further", _("No further support needed")
    OCCUPATIONAL_HEALTH = "occupational_health", _("Signposted to occupational health")
    EAP = "eap", _("Signposted to the employee assistance programme")
    PROFESSIONAL = "professional", _("Signposted to other professional help")


class SupportRequest(ChoiceLabels, models.Model):
    """Someone asking for peer support. Its content is for requester and supporter only."""

    class Status(models.TextChoices):
        NEW = "new", _("Waiting for a supporter")
        ASSIGNED = "assigned", _("Supporter assigned")
        CLOSED = "closed", _("Closed")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="support_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="support_requests"
    )
    event_kind = models.CharField(
        _("what happened"), max_length=32, choices=EventKind.choices, blank=True
    )
    contact_mode = models.CharField(
        _("how you would like to be contacted"), max_length=16, choices=ContactMode.choices
    )
    # Confidential: the requester and the supporter only.
    contact_detail = EncryptedCharField(_("contact details"), max_length=200, blank=True)
    note = EncryptedTextField(_("anything you would like your supporter to know"), blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    supporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supporting",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    first_contact_due = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(supporter=models.F("requester")), name="not_supporting_oneself"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False, outcome__gt=""),
                name="closed_request_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Peer support request {self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("peergroups:support_request", kwargs={"pk": self.pk})


class CheckIn(ChoiceLabels, models.Model):
    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="checkins")
    happened_at = models.DateTimeField(_("when"))
    mode = models.CharField(_("how"), max_length=16, choices=ContactMode.choices)
    # Confidential: the requester and the supporter only.
    notes = EncryptedTextField(_("notes"), blank=True, max_length=4000)
    next_due = models.DateField(_("next check-in due"), null=True, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["happened_at"]

    def __str__(self) -> str:
        return f"Check-in {self.pk} of request {self.request_id}"


class Resource(ChoiceLabels, models.Model):
    """An item in the supporters' learning library, curated by programme admins."""

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("All staff")
        SUPPORTERS = "supporters", _("Peer supporters")
        FACILITATORS = "facilitators", _("Group facilitators")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    link = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to="resources/%Y/", blank=True)
    audience = models.CharField(
        _("for"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE
    )
    category = models.CharField(_("category"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(link="") | ~Q(file=""), name="resource_has_link_or_file"
            ),
        ]

    def __str__(self) -> str:
        return self.title
