"""Staff imported from an ESR export: the column mapping an organisation keeps,
and each file uploaded, from its dry run to its application in the background."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import Organisation
from supervision_site.choices import ChoiceLabels


class StaffImportMapping(models.Model):
    """Which column of an organisation's ESR export holds which detail.

    `columns` maps a field key of `supervision.staff_import.columns.FIELDS`
    to the column heading in the file; a key left out is found by the usual
    ESR headings.
    """

    RECORD_TYPE = "supervision.staffimportmapping"  # kernel.records.record_type

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="staff_import_mapping"
    )
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("staff import column mapping")
        verbose_name_plural = _("staff import column mappings")

    def __str__(self) -> str:
        return f"Column mapping of {self.organisation}"


class StaffImport(ChoiceLabels, models.Model):
    """One ESR file: checked (the dry run), then applied by a Celery task.

    The file's text is kept only until it is applied; afterwards only the
    counts stay (the people themselves are in their profiles and the audit log).
    """

    RECORD_TYPE = "supervision.staffimport"  # kernel.records.record_type

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked, not applied")
        QUEUED = "queued", _("Waiting to start")
        APPLYING = "applying", _("Applying")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="staff_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    whole_organisation = models.BooleanField(_("the file is the whole organisation"))
    columns = models.JSONField(default=dict)  # the mapping it was read with
    content = models.TextField(blank=True)  # the file's text, until applied
    plan = models.JSONField(default=dict)  # what the dry run found (Plan.summary())
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.CHECKED
    )
    invite_new = models.BooleanField(default=False)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress while applying: steps done out of steps to do.
    steps_done = models.PositiveIntegerField(default=0)
    steps_total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict)  # counts of what was applied

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("staff import")
        verbose_name_plural = _("staff imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.APPLYING)

    @property
    def percent_done(self) -> int:
        if not self.steps_total:
            return 0
        return min(100, self.steps_done * 100 // self.steps_total)
