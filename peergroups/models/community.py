"""The learning community (seed 001): peer supporters of several organisations together.

A community is a set of organisations (hospitals in one region, say) whose peer
supporters share one compendium of resources and a space to ask each other for
guidance. It is cross-organisation by design: who sees it is decided in
peergroups/permissions/community.py. Its coordinators (named people, each a
peer-support coordinator in a member organisation) moderate its threads.

Threads and replies are free text a supporter writes, so they are encrypted;
the form asks for no patient or colleague details.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import Organisation
from supervision_site.choices import ChoiceLabels
from supervision_site.encryption import EncryptedTextField

TITLE_MAX_LENGTH = 150
BODY_MAX_LENGTH = 5000


class LearningCommunity(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    organisations = models.ManyToManyField(
        Organisation, related_name="learning_communities", verbose_name=_("member organisations")
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="coordinated_communities",
        verbose_name=_("coordinators (moderators)"),
        help_text=_("Each must be a peer-support coordinator in a member organisation."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("learning community")
        verbose_name_plural = _("learning communities")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("peergroups:community", args=[self.pk])


class HideReason(models.TextChoices):
    IDENTIFIES = "identifies", _("It could identify a patient or colleague")
    UNKIND = "unkind", _("It is unkind or disrespectful")
    OFF_TOPIC = "off_topic", _("It is not about peer support")
    URGENT = "urgent", _("It needs urgent help, not the community")


class Moderated(ChoiceLabels, models.Model):
    """What a moderator's hiding leaves: who, when and why; the text stays stored."""

    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=16, choices=HideReason.choices, blank=True)

    class Meta:
        abstract = True

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class CommunityThread(Moderated):
    community = models.ForeignKey(
        LearningCommunity, on_delete=models.CASCADE, related_name="threads"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    title = EncryptedTextField(_("title"), max_length=TITLE_MAX_LENGTH)
    body = EncryptedTextField(_("question"), max_length=BODY_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Thread {self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("peergroups:community_thread", args=[self.pk])


class CommunityReply(Moderated):
    thread = models.ForeignKey(CommunityThread, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = EncryptedTextField(_("reply"), max_length=BODY_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Reply {self.pk}"
