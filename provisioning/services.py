"""SCIM provisioning: the organisation's switch and token, and the changes Entra ID makes.

People are added, changed, deactivated and reactivated by the same services an
admin and the ESR import use (supervision.services.people), so a leaver from
Entra ID is deactivated, and their sessions ended, exactly as an ESR leaver is.
Every change is audited under the organisation; entries written while
`acting_as(SCIM_ACTOR)` name "SCIM (Entra ID)" as the way it came.
"""

import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from audit.services import audit_log
from kernel.models import Band, Department, Organisation, Profession, StaffProfile
from supervision.services.organisations import department_create
from supervision.services.people import (
    staff_deactivate,
    staff_invite,
    staff_reactivate,
    staff_update,
)

from .models import ScimIdentity, ScimSettings
from .permissions import (
    get_scim_person,
    identity_of,
    staff_number_taken,
    token_hash,
    unnamed_person_with_email,
    user_name_taken,
)
from .presenters import scim_user_attributes
from .scim.errors import ScimError, invalid_value

SCIM_ACTOR = "SCIM (Entra ID)"
TOKEN_PREFIX = "scim_"  # noqa: S105 - a prefix that makes a leaked token recognisable, no secret


# --- The organisation's settings (programme admins) --------------------------


@transaction.atomic
def scim_settings_save(
    *, actor, organisation: Organisation, enabled: bool, invite_new: bool
) -> ScimSettings:
    """Switch SCIM provisioning on or off, and choose whether new people are invited."""
    found, _created = ScimSettings.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    if (found.enabled, found.invite_new) == (enabled, invite_new):
        return found
    found.enabled, found.invite_new = enabled, invite_new
    found.save(update_fields=["enabled", "invite_new"])
    audit_log(
        actor=actor,
        action="scim.settings_changed",
        target=found,
        organisation_id=organisation.pk,
        summary=f"Switched SCIM provisioning {'on' if enabled else 'off'}",
        details={"enabled": enabled, "invite_new": invite_new},
    )
    return found


@transaction.atomic
def scim_token_issue(*, actor, organisation: Organisation) -> str:
    """Make a new secret token (the old one stops working) and return it: it is shown
    once, and only its hash is kept."""
    found, _created = ScimSettings.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    replaced = found.has_token
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    found.token_hash = token_hash(token)
    found.token_created_at = timezone.now()
    found.token_created_by = actor
    found.token_last_used_at = None
    found.save()
    audit_log(
        actor=actor,
        action="scim.token_replaced" if replaced else "scim.token_created",
        target=found,
        organisation_id=organisation.pk,
        summary="Made a new SCIM token" + (" (the old one no longer works)" if replaced else ""),
    )
    return token


@transaction.atomic
def scim_token_revoke(*, actor, organisation: Organisation) -> bool:
    """Stop the token working; returns whether there was one."""
    found = ScimSettings.objects.select_for_update().filter(organisation=organisation).first()
    if found is None or not found.has_token:
        return False
    found.token_hash = ""
    found.token_last_used_at = None
    found.save(update_fields=["token_hash", "token_last_used_at"])
    audit_log(
        actor=actor,
        action="scim.token_revoked",
        target=found,
        organisation_id=organisation.pk,
        summary="Revoked the SCIM token",
    )
    return True


def scim_token_used(settings: ScimSettings) -> None:
    """Note when the token was last used (at most one write a minute)."""
    now = timezone.now()
    last = settings.token_last_used_at
    if last is None or (now - last).total_seconds() >= 60:
        ScimSettings.objects.filter(pk=settings.pk).update(token_last_used_at=now)


# --- People (Entra ID, through the SCIM endpoints) -----------------------------


def _department(organisation: Organisation, name: str) -> Department | None:
    """The department of that name (spaces and case aside), added if new, as the ESR import does."""
    name = " ".join(name.split())
    if not name:
        return None
    for department in Department.objects.filter(organisation=organisation, name__iexact=name):
        return department
    return department_create(
        actor=None, organisation=organisation, name=name, kind=Department.Kind.OTHER
    )


def _manager(organisation: Organisation, scim_id: str, profile=None) -> StaffProfile | None:
    if not scim_id:
        return None
    manager = get_scim_person(organisation, scim_id)
    if manager is None:
        raise invalid_value(f"manager: there is no person with id {scim_id}.")
    if profile is not None and manager.pk == profile.pk:
        raise invalid_value("manager: a person cannot be their own line manager.")
    return manager


def _names(attrs: dict) -> tuple[str, str]:
    first, last = attrs.get("givenName", ""), attrs.get("familyName", "")
    if not first and not last and attrs.get("displayName"):
        first, _space, last = attrs["displayName"].partition(" ")
    return first, last


def _check_unique(organisation: Organisation, attrs: dict, profile=None) -> None:
    if not attrs.get("userName"):
        raise invalid_value("userName is required.")
    if user_name_taken(organisation, attrs["userName"], besides=profile):
        raise ScimError(409, "Another person already has this userName.", "uniqueness")
    if staff_number_taken(organisation, attrs.get("employeeNumber", ""), besides=profile):
        raise ScimError(409, "Another person already has this employeeNumber.", "uniqueness")


def _identity_save(organisation: Organisation, profile: StaffProfile, attrs: dict) -> None:
    identity = identity_of(profile) or ScimIdentity(organisation=organisation, profile=profile)
    wanted = (attrs["userName"], attrs.get("externalId", ""))
    if identity.pk and (identity.user_name, identity.external_id) == wanted:
        return
    identity.user_name = attrs["userName"]
    identity.external_id = attrs.get("externalId", "")
    identity.full_clean(exclude=["organisation", "profile"], validate_constraints=False)
    identity.save()
    profile.scim_identity = identity


@transaction.atomic
def scim_user_create(*, scim_settings: ScimSettings, attrs: dict) -> StaffProfile:
    """Add the person Entra ID sent, through staff_invite: with the standard invitation
    email when they are active and the organisation chose invitations (the default).

    Their profession and band are "Other" until an admin or the ESR import sets them.
    """
    organisation = scim_settings.organisation
    email = (attrs.get("email") or attrs.get("userName", "")).lower()
    known = unnamed_person_with_email(organisation, email)
    if known is not None:
        # Added by hand or from ESR, and not yet known to Entra ID: taken over, not doubled.
        before = scim_user_attributes(known)
        return scim_user_change(
            organisation=organisation, profile=known, before=before, after={**before, **attrs}
        )
    _check_unique(organisation, attrs)
    try:
        validate_email(email)
    except ValidationError:
        raise invalid_value(
            "emails: a work email is required (or a userName that is one)."
        ) from None
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise ScimError(409, "A person with this email is already registered.", "uniqueness")
    first, last = _names(attrs)
    if not first and not last:
        raise invalid_value("name.givenName and name.familyName (or displayName) are required.")
    active = attrs.get("active", True)
    profile = staff_invite(
        actor=None,
        organisation=organisation,
        email=email,
        first_name=first,
        last_name=last,
        profession=Profession.OTHER,
        band=Band.OTHER,
        department=_department(organisation, attrs.get("department", "")),
        job_title=attrs.get("title", ""),
        line_manager=_manager(organisation, attrs.get("manager", "")),
        employee_number=attrs.get("employeeNumber", ""),
        send_invitation=active and scim_settings.invite_new,
    )
    _identity_save(organisation, profile, attrs)
    if not active:
        staff_deactivate(actor=None, profile=profile, reason=f"{SCIM_ACTOR}: added as inactive")
    return profile


@transaction.atomic
def scim_user_change(
    *, organisation: Organisation, profile: StaffProfile, before: dict, after: dict
) -> StaffProfile:
    """Make the person what Entra ID now says (`after`), changing only what differs from
    `before`; the email they sign in with is theirs and stays."""
    _check_unique(organisation, after, profile)
    fields: dict = {}
    if after.get("title", "") != before.get("title", ""):
        fields["job_title"] = after.get("title", "")
    if after.get("employeeNumber", "") != before.get("employeeNumber", ""):
        fields["employee_number"] = after.get("employeeNumber", "")
    if after.get("department", "") != before.get("department", ""):
        fields["department"] = _department(organisation, after.get("department", ""))
    if after.get("manager", "") != before.get("manager", ""):
        fields["line_manager"] = _manager(organisation, after.get("manager", ""), profile)
    first, last = _names(after)
    if _names(before) == (first, last) or (not first and not last):
        first, last = profile.user.first_name, profile.user.last_name
    staff_update(actor=None, profile=profile, first_name=first, last_name=last, **fields)
    _identity_save(organisation, profile, after)
    if before.get("active", True) and not after.get("active", True):
        scim_user_deactivate(profile=profile, reason="set inactive in Entra ID")
    elif not profile.user.is_active and after.get("active", True):
        staff_reactivate(actor=None, profile=profile)
    return profile


@transaction.atomic
def scim_user_deactivate(*, profile: StaffProfile, reason: str) -> StaffProfile:
    """The leaver path: staff_deactivate, as for an ESR leaver (their sessions end too)."""
    if not profile.user.is_active:
        return profile
    return staff_deactivate(actor=None, profile=profile, reason=f"{SCIM_ACTOR}: {reason}")
