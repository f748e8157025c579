from collections.abc import Iterable
from typing import Any

from django.db import models

from kernel.models import Organisation
from kernel.permissions import get_own_profile
from kernel.records import record_type

from .context import current_ip, current_via
from .models import AuditEntry
from .presenters import SIGNIN_FAILED

ACCESS_DENIED = "access.denied"
ACCESS_NOT_FOUND = "access.not_found"


def _with_via(details: dict[str, Any] | None) -> dict[str, Any]:
    """The details, naming the system the change came through (audit.context.acting_as)."""
    via = current_via()
    return {**(details or {}), "via": via} if via else (details or {})


def _write(
    *,
    actor,
    action: str,
    target_type: str,
    target_id: str,
    summary: str,
    organisation_id: int | None,
    details: dict[str, Any] | None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        organisation_id=organisation_id,
        action=action,
        target_type=target_type[:64],
        target_id=target_id[:64],
        summary=summary[:255],
        details=_with_via(details),
        ip_address=current_ip(),
    )


def audit_log(
    *,
    actor,
    action: str,
    target: models.Model,
    summary: str,
    organisation_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record one change. Call it inside the service's transaction.

    `summary` and `details` name what changed with identifiers, states and
    field names; never free text a person wrote (notes, comments, reasons
    given by participants), which stays in its confidential record. The
    client's IP address comes from the request being served, if any.
    """
    return _write(
        actor=actor,
        action=action,
        target_type=record_type(target),
        target_id=str(target.pk),
        summary=summary,
        organisation_id=organisation_id,
        details=details,
    )


def audit_log_many(
    *,
    actor,
    action: str,
    entries: Iterable[tuple[models.Model, str, dict[str, Any] | None]],
    organisation_id: int | None,
) -> int:
    """Record one action on many records at once (an import): one entry per
    (target, summary, details), as `audit_log` would write each, in one insert."""
    ip_address = current_ip()
    rows = [
        AuditEntry(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            organisation_id=organisation_id,
            action=action,
            target_type=record_type(target)[:64],
            target_id=str(target.pk)[:64],
            summary=summary[:255],
            details=_with_via(details),
            ip_address=ip_address,
        )
        for target, summary, details in entries
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def words_given(**texts: str) -> dict[str, bool]:
    """For an entry's details: whether each piece of free text was written, not its words.

    `words_given(reason=reason)` is `{"reason_given": True}` (or False): the
    entry shows that someone said why, while what they said stays in its
    encrypted record (or, for a message only sent, in no record at all).
    """
    return {f"{name}_given": bool(text and text.strip()) for name, text in texts.items()}


def audit_access_refused(
    *, actor, action: str, path: str, method: str, status: int, organisation_id: int | None
) -> AuditEntry:
    """Record a refused request (403) or a miss on an object's URL (404).

    The target is the URL path; the query string is left out (it can hold
    search words). One entry per refused request.
    """
    return _write(
        actor=actor,
        action=action,
        target_type="url",
        target_id=path,
        summary=f"{method} {path} answered {status}",
        organisation_id=organisation_id,
        details={"method": method, "status": status},
    )


def entries_about(*, action: str, target_type: str, target_id):
    """Entries of one action on one record, newest first; `target_id` may be an OuterRef.

    For other apps that need the trail (a leaver's deactivation date) without
    reading its table themselves.
    """
    return AuditEntry.objects.filter(
        action=action, target_type=target_type, target_id=target_id
    ).order_by("-created_at", "-pk")


def audit_log_export(*, actor, organisation_ids: list[int], count: int, filters: str) -> None:
    """Record that `actor` downloaded the audit log: one entry under each organisation
    whose entries the file could hold, so each organisation's admins see it."""
    for organisation in Organisation.objects.filter(pk__in=organisation_ids):
        audit_log(
            actor=actor,
            action="audit.exported",
            target=organisation,
            organisation_id=organisation.pk,
            summary=f"Exported the audit log ({count} entries)",
            details={"filters": filters},
        )


def audit_account_event(*, user, action: str, summary: str, details=None) -> AuditEntry:
    """Record a sign-in or two-factor event of `user`'s account, under their organisation
    (none for someone with no staff profile, such as an operator)."""
    profile = get_own_profile(user)
    return audit_log(
        actor=user,
        action=action,
        target=user,
        organisation_id=profile.organisation_id if profile is not None else None,
        summary=summary,
        details=details,
    )


def audit_unknown_signin_failed() -> AuditEntry:
    """Record a failed sign-in with an address that has no account: under no
    organisation (no admin sees it, so it tells nobody whether an address is
    registered) and without the address typed, which may be a password."""
    return _write(
        actor=None,
        action=SIGNIN_FAILED,
        target_type="account",
        target_id="unknown",
        summary="Failed sign-in with an email address that has no account",
        organisation_id=None,
        details=None,
    )
