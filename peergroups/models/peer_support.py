"""Peer support after hard events (seed 001), and the supporters' resource library."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
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
    # Set by the requester's withdrawal, never offered to a supporter closing.
    WITHDRAWN = "withdrawn", _("Withdrawn by the person who asked")


# The outcomes a supporter chooses from when closing.
SUPPORTER_OUTCOMES = [choice for choice in Outcome.choices if choice[0] != Outcome.WITHDRAWN]


def first_contact_overdue(now: datetime.datetime) -> Q:
    """The one rule for "first contact is overdue", as a filter on SupportRequest.

    Still waiting for a supporter past the deadline, or assigned with no first
    contact recorded by the deadline (`first_contact_due`, set when the
    supporter is assigned).
    """
    return Q(status=SupportRequest.Status.NEW, first_contact_due__lt=now) | Q(
        status=SupportRequest.Status.ASSIGNED,
        first_contacted_on__isnull=True,
        first_contact_due__lt=now,
    )


class SupportRequestQuerySet(models.QuerySet):
    def with_overdue(self, now: datetime.datetime):
        """Each request with `overdue`: whether first contact is overdue at `now`."""
        return self.annotate(
            overdue=models.ExpressionWrapper(
                first_contact_overdue(now), output_field=models.BooleanField()
            )
        )


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
    # The deadline for first contact: the organisation's hours after assignment
    # (after asking, until someone is assigned).
    first_contact_due = models.DateTimeField()
    # A date only, never what was said: the supporter records it (or it is the
    # date of their first check-in). Cleared when a supporter hands the request back.
    first_contacted_on = models.DateField(_("date of first contact"), null=True, blank=True)
    # When the supporter last told the coordinators they were worried about the
    # person's safety (no detail: the coordinators are told to get in touch).
    safety_concern_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SupportRequestQuerySet.as_manager()

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


class HandbackReason(models.TextChoices):
    CONFLICT = (
        "conflict",
        _(
            "I have a conflict of interest, for example I was involved in the same event "
            "or know them well"
        ),
    )
    NO_TIME = "no_time", _("I cannot give the time at the moment")
    OWN_WELLBEING = "own_wellbeing", _("I need to step back for my own wellbeing")
    OTHER = "other", _("Another reason")


class SupportHandback(ChoiceLabels, models.Model):
    """A supporter declined or handed back a request, and why (a reason from a list,
    never free text). They are not asked to take it again."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="handbacks")
    supporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=HandbackReason.choices)
    # Whether they had made first contact: declined before, handed back after.
    after_first_contact = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "supporter"], name="handed_back_once_per_supporter"
            ),
        ]

    def __str__(self) -> str:
        return f"Request {self.request_id} handed back by user {self.supporter_id}"


# Digits, spaces, brackets and dashes, with a leading + for an international number.
PHONE_PATTERN = r"^\+?[0-9][0-9 ()-]{1,28}[0-9]$"
phone_number = RegexValidator(
    PHONE_PATTERN,
    _("Enter a phone number using digits and spaces only, for example 0808 157 0192"),
)

FIRST_CONTACT_HOURS_MIN = 24
FIRST_CONTACT_HOURS_MAX = 336  # two weeks


class PeerSupportSettings(models.Model):
    """An organisation's peer-support settings: where to get urgent help, and how
    long a supporter has to make first contact. Not confidential: every page a
    requester or supporter sees shows them."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="peer_support_settings"
    )
    # Blank: pages say "Employee assistance programme".
    eap_name = models.CharField(_("employee assistance programme"), max_length=100, blank=True)
    eap_phone = models.CharField(
        _("employee assistance phone number"),
        max_length=30,
        blank=True,
        validators=[phone_number],
    )
    eap_hours = models.CharField(_("when it is open"), max_length=100, blank=True)
    occupational_health_phone = models.CharField(
        _("occupational health phone number"),
        max_length=30,
        blank=True,
        validators=[phone_number],
    )
    occupational_health_email = models.EmailField(_("occupational health email"), blank=True)
    coordinator_phone = models.CharField(
        _("peer support coordinator phone number"),
        max_length=30,
        blank=True,
        validators=[phone_number],
    )
    # Calendar hours, not working days: peer supporters are volunteers who cover
    # evenings and weekends, and 72 hours is the TRiM-style promise (docs/peer-support.md).
    first_contact_hours = models.PositiveSmallIntegerField(
        _("hours to make first contact"),
        default=72,
        validators=[
            MinValueValidator(FIRST_CONTACT_HOURS_MIN),
            MaxValueValidator(FIRST_CONTACT_HOURS_MAX),
        ],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("peer support settings")
        verbose_name_plural = _("peer support settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    first_contact_hours__gte=FIRST_CONTACT_HOURS_MIN,
                    first_contact_hours__lte=FIRST_CONTACT_HOURS_MAX,
                ),
                name="first_contact_hours_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Peer support settings of organisation {self.organisation_id}"

    @property
    def first_contact_within(self) -> datetime.timedelta:
        return datetime.timedelta(hours=self.first_contact_hours)


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
    # Shared with learning communities: their members' supporters see it too.
    communities = models.ManyToManyField(
        "peergroups.LearningCommunity",
        blank=True,
        related_name="shared_resources",
        verbose_name=_("share with learning communities"),
    )

    class Meta:
        ordering = ["category", "title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(link="") | ~Q(file=""), name="resource_has_link_or_file"
            ),
        ]

    def __str__(self) -> str:
        return self.title
