"""The reflective journal: its author's alone."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from supervision_site.choices import ChoiceLabels
from supervision_site.encryption import EncryptedCharField, EncryptedJSONField


class JournalTemplate(models.TextChoices):
    GIBBS = "gibbs", _("Gibbs' reflective cycle")
    ROLFE = "rolfe", _("Rolfe: What? So what? Now what?")
    FREE = "free", _("Free text")


class CodeTheme(models.TextChoices):
    """The four themes of the NMC Code, in the Code's order."""

    PRIORITISE_PEOPLE = "prioritise_people", _("Prioritise people")
    PRACTISE_EFFECTIVELY = "practise_effectively", _("Practise effectively")
    PRESERVE_SAFETY = "preserve_safety", _("Preserve safety")
    PROMOTE_PROFESSIONALISM = "promote_professionalism", _("Promote professionalism and trust")


CODE_THEMES_MESSAGE = _("Select the themes of the Code from the list")


def validate_code_themes(value) -> None:
    """A list of distinct CodeTheme values (the order is the Code's, set by the service)."""
    if (
        not isinstance(value, list)
        or len(set(value)) != len(value)
        or not set(value) <= set(CodeTheme.values)
    ):
        raise ValidationError(CODE_THEMES_MESSAGE, code="invalid")


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
    # Which themes of the NMC Code the reflection is relevant to (CodeTheme values).
    # Not free text, so not encrypted; read, like the rest, by the author only.
    code_themes = models.JSONField(
        _("themes of the Code"), default=list, blank=True, validators=[validate_code_themes]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("journal entries")

    def __str__(self) -> str:
        return f"Journal entry {self.pk}"  # never its title or text
