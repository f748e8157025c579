"""The reflective journal: its author's alone."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from supervision_site.choices import ChoiceLabels
from supervision_site.encryption import EncryptedCharField, EncryptedJSONField


class JournalTemplate(models.TextChoices):
    GIBBS = "gibbs", _("Gibbs' reflective cycle")
    ROLFE = "rolfe", _("Rolfe: What? So what? Now what?")
    FREE = "free", _("Free text")


class JournalEntry(ChoiceLabels, models.Model):
    """A reflection. `sections` maps each of its template's prompts to the text written."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="journal_entries"
    )
    template = models.CharField(_("template"), max_length=8, choices=JournalTemplate.choices)
    title = EncryptedCharField(_("title"), max_length=200)
    sections = EncryptedJSONField(default=dict)
    # Optional: which of the author's own sessions it reflects on (id only).
    session_id = models.BigIntegerField(null=True, blank=True)
    group_session_id = models.BigIntegerField(null=True, blank=True)
    occurred_on = models.DateField(_("when it happened"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("journal entries")

    def __str__(self) -> str:
        return f"Journal entry {self.pk}"  # never its title or text
