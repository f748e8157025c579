"""Programmes, extra allowance and session themes, as programme admins set them up.

Every change is audited; the audit entry of an update names the fields that changed.
"""

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log, words_given
from kernel.eligibility import REFUSAL_RELATED, WORDED
from kernel.models import (
    DEFAULT_THEMES,
    Band,
    Department,
    Grade,
    Organisation,
    PeriodKind,
    Profession,
    Programme,
    StaffProfile,
    Theme,
)

from ..allowances import add_months, eligibility
from ..models import AllowanceExtra
from ..notifications import allowance_extra_changed
from ..standards import standard_counted_from, standard_key

# The fields programme_create and programme_update accept besides the departments.
PROGRAMME_FIELDS = (
    "name",
    "description",
    "modality",
    "is_active",
    "eligible_everyone",
    "eligible_bands",
    "eligible_professions",
    "eligible_grades",
    "not_eligible_message",
    "alternative",
    *(f"{condition}_{part}" for condition in WORDED for part in ("message", "alternative")),
    "allowance_sessions",
    "session_minutes",
    "period_kind",
    "period_start",
    "period_end",
    "rolling_months",
    "late_cancellation_hours",
    "late_cancellation_counts",
    "late_moves_refused",
    "did_not_attend_counts",
    "allow_booking_without_agreement",
    "standard_kind",
    "standard_weeks",
    "standard_sessions",
    "standard_counts_groups",
)
MAX_EXTRA_SESSIONS = 5


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - set(PROGRAMME_FIELDS)
    if unknown:
        raise TypeError(f"Unknown programme fields: {sorted(unknown)}")


def _check_rules(programme: Programme, departments: list[Department]) -> None:
    """The rules a form may not be the only guard of: they cross organisations."""
    errors = {}
    for field in REFUSAL_RELATED:
        alternative = getattr(programme, field)
        if alternative is not None and (
            alternative.organisation_id != programme.organisation_id
            or (programme.pk is not None and alternative.pk == programme.pk)
        ):
            errors[field] = _("Choose another programme of the same organisation.")
    if any(d.organisation_id != programme.organisation_id for d in departments):
        errors["eligible_departments"] = _("Choose departments of the programme's organisation.")
    if not set(programme.eligible_bands) <= set(Band.values):
        errors["eligible_bands"] = _("Choose bands from the list.")
    if not set(programme.eligible_professions) <= set(Profession.values):
        errors["eligible_professions"] = _("Choose professions from the list.")
    if not set(programme.eligible_grades) <= set(Grade.values):
        errors["eligible_grades"] = _("Choose grades from the list.")
    if not programme.eligible_everyone and not (
        programme.eligible_bands
        or programme.eligible_professions
        or programme.eligible_grades
        or departments
    ):
        errors["eligible_everyone"] = _(
            "Choose at least one band, profession, grade or department, or open the programme "
            "to everyone."
        )
    if programme.period_kind == PeriodKind.FIXED and programme.period_end is None:
        errors["period_end"] = _("Enter the date the allowance period ends.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def programme_create(
    *,
    actor,
    organisation: Organisation,
    eligible_departments=(),
    **fields,
) -> Programme:
    """Add a programme to an organisation, with who may use it and how much."""
    _check_fields(fields)
    departments = list(eligible_departments)
    programme = Programme(organisation=organisation, **fields)
    standard_counted_from(programme, None, organisation.time_zone)
    _check_rules(programme, departments)
    programme.full_clean()
    programme.save()
    programme.eligible_departments.set(departments)
    audit_log(
        actor=actor,
        action="programme.created",
        target=programme,
        organisation_id=organisation.pk,
        summary=f"Added programme {programme.name}",
    )
    return programme


@transaction.atomic
def programme_update(
    *,
    actor,
    programme: Programme,
    eligible_departments=None,
    **fields,
) -> Programme:
    """Change a programme's rules; the audit entry lists the fields that changed.

    `eligible_departments` left as None keeps the departments as they are.
    """
    _check_fields(fields)
    standard_before = standard_key(programme)
    changed = []
    for name, value in fields.items():
        if getattr(programme, name) != value:
            setattr(programme, name, value)
            changed.append(name)
    departments = list(programme.eligible_departments.all())
    if eligible_departments is not None:
        wanted = list(eligible_departments)
        if {d.pk for d in wanted} != {d.pk for d in departments}:
            departments = wanted
            changed.append("eligible_departments")
    if not changed:
        return programme
    standard_counted_from(programme, standard_before, programme.organisation.time_zone)
    _check_rules(programme, departments)
    programme.full_clean()
    programme.save()
    if "eligible_departments" in changed:
        programme.eligible_departments.set(departments)
    details: dict = {"fields": changed}
    summary = f"Updated programme {programme.name}"
    if "is_active" in changed:  # retiring (or restoring) is an edit of is_active
        details["retired"] = not programme.is_active
        verb = "Restored" if programme.is_active else "Retired"
        summary = f"{verb} programme {programme.name}"
    audit_log(
        actor=actor,
        action="programme.updated",
        target=programme,
        organisation_id=programme.organisation_id,
        summary=summary,
        details=details,
    )
    return programme


def organisation_today(organisation: Organisation) -> datetime.date:
    """Today's date where the organisation is (allowances count in its days)."""
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(organisation.time_zone)).date()


def extra_valid_until(programme: Programme, today: datetime.date) -> datetime.date | None:
    """The last day extra sessions granted today count: the end of the current period."""
    if programme.period_kind == PeriodKind.FIXED:
        return programme.period_end
    return add_months(today, programme.rolling_months)


@transaction.atomic
def allowance_extra_grant(
    *, actor, programme: Programme, user, sessions: int, reason: str
) -> AllowanceExtra:
    """Give one person extra sessions in a programme until the end of the current period."""
    if programme.allowance_sessions is None:
        raise ValidationError(
            _("This programme has no limit on sessions, so there is nothing to add to.")
        )
    if not 1 <= sessions <= MAX_EXTRA_SESSIONS:
        raise ValidationError(
            _("Grant between 1 and %(max)s extra sessions.") % {"max": MAX_EXTRA_SESSIONS}
        )
    profile = StaffProfile.objects.filter(user=user, organisation=programme.organisation_id).first()
    if not (user.is_active and profile is not None):
        raise ValidationError(_("Choose an active member of staff of this organisation."))
    allowed = eligibility(programme, profile)
    if not allowed.eligible:
        # The one rule booking uses: nobody holds extra sessions they could not book.
        raise ValidationError(
            _("%(name)s cannot use this programme: %(reason)s")
            % {"name": user.get_full_name() or user.email, "reason": allowed.reason}
        )
    today = organisation_today(programme.organisation)
    valid_until = extra_valid_until(programme, today)
    if valid_until is None or valid_until < today:
        raise ValidationError(
            _("The programme's allowance period has ended. Set a new period first.")
        )
    extra = AllowanceExtra(
        programme=programme,
        user=user,
        sessions=sessions,
        reason=reason.strip(),
        valid_from=today,
        valid_until=valid_until,
        granted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    extra.full_clean()
    extra.save()
    audit_log(
        actor=actor,
        action="allowance.extra_granted",
        target=extra,
        organisation_id=programme.organisation_id,
        summary=f"{sessions} extra session(s) in {programme.name} for {user.email}",
        details={"user_id": user.pk, "sessions": sessions, **words_given(reason=extra.reason)},
    )
    allowance_extra_changed(extra)
    return extra


@transaction.atomic
def allowance_extra_revoke(*, actor, extra: AllowanceExtra, reason: str) -> AllowanceExtra:
    """Take back extra sessions, with a reason; they stop counting at once.

    Sessions already booked with them stay booked: the person simply has fewer
    left (none, not fewer than none, if they used them).
    """
    extra = (
        AllowanceExtra.objects.select_for_update()
        .select_related("programme", "user")
        .get(pk=extra.pk)
    )
    if extra.is_revoked:
        raise ValidationError(_("These extra sessions have already been revoked."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Enter a reason for revoking the extra sessions."))
    extra.revoked_at = timezone.now()
    extra.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    extra.revoke_reason = reason
    extra.full_clean()
    extra.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_log(
        actor=actor,
        action="allowance.extra_revoked",
        target=extra,
        organisation_id=extra.programme.organisation_id,
        summary=(
            f"Revoked {extra.sessions} extra session(s) in {extra.programme.name} "
            f"for {extra.user.email}"
        ),
        details={
            "user_id": extra.user_id,
            "sessions": extra.sessions,
            **words_given(reason=extra.revoke_reason),
        },
    )
    allowance_extra_changed(extra)
    return extra


@transaction.atomic
def theme_create(*, actor, organisation: Organisation, name: str) -> Theme:
    """Add a theme sessions can be tagged with."""
    theme = Theme(organisation=organisation, name=name.strip())
    theme.full_clean()
    theme.save()
    audit_log(
        actor=actor,
        action="theme.added",
        target=theme,
        organisation_id=organisation.pk,
        summary=f"Added theme {theme.name}",
    )
    return theme


@transaction.atomic
def theme_set_active(*, actor, theme: Theme, active: bool) -> Theme:
    """Retire a theme (no longer offered; past records keep it) or restore it."""
    if theme.is_active == active:
        return theme
    theme.is_active = active
    theme.save(update_fields=["is_active"])
    audit_log(
        actor=actor,
        action="theme.restored" if active else "theme.retired",
        target=theme,
        organisation_id=theme.organisation_id,
        summary=f"{'Restored' if active else 'Retired'} theme {theme.name}",
    )
    return theme


@transaction.atomic
def themes_add_defaults(*, actor, organisation: Organisation) -> list[Theme]:
    """Add the suggested themes the organisation does not have yet; returns those added."""
    existing = {
        name.casefold()
        for name in Theme.objects.filter(organisation=organisation).values_list("name", flat=True)
    }
    return [
        theme_create(actor=actor, organisation=organisation, name=name)
        for name in DEFAULT_THEMES
        if name.casefold() not in existing
    ]
