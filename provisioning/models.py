"""SCIM provisioning: each organisation's switch and token, and who Entra ID knows by what name.

Off by default: an organisation has no ScimSettings row (or one switched off)
until a programme admin switches it on. The bearer token is never stored, only
its SHA-256 (a 256-bit random token needs no slow hash: nothing can be guessed
from the hash that could not be guessed from the token).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from kernel.models import Organisation, StaffProfile


class ScimSettings(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="scim_settings"
    )
    enabled = models.BooleanField(_("SCIM provisioning is on"), default=False)
    invite_new = models.BooleanField(
        _("Email an invitation to each person Entra ID adds"), default=True
    )
    token_hash = models.CharField(max_length=64, blank=True, default="")
    token_created_at = models.DateTimeField(null=True, blank=True)
    token_created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    token_last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SCIM settings")
        verbose_name_plural = _("SCIM settings")
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"], condition=~Q(token_hash=""), name="scim_token_hash_unique"
            )
        ]

    def __str__(self) -> str:
        return f"SCIM settings of {self.organisation}"

    @property
    def has_token(self) -> bool:
        return bool(self.token_hash)


class ScimIdentity(models.Model):
    """How Entra ID names a person: its userName (often the UPN, not the email) and externalId.

    People added by hand or by the ESR import have none until Entra ID first
    changes them; their userName is then their email.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="scim_identities"
    )
    profile = models.OneToOneField(
        StaffProfile, on_delete=models.CASCADE, related_name="scim_identity"
    )
    user_name = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SCIM identity")
        verbose_name_plural = _("SCIM identities")
        constraints = [
            models.UniqueConstraint(
                Lower("user_name"),
                "organisation",
                name="scim_user_name_unique_in_organisation",
            )
        ]

    def __str__(self) -> str:
        return self.user_name
