"""Telling people they are due or overdue for supervision: once per reason per period.

A nudge from a programme admin and the reminder before a person becomes
overdue both go through `notice_send`, whose StandardNotice row (unique per
person, reason and due date) is what makes "at most once" hold, whoever asks
and however often.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_log
from kernel.models import Organisation, StaffProfile
from notifications.services import dispatch_soon, notification_schedule

from ..models import ProfessionStandard, StandardNotice
from ..standards import (
    DUE_SOON,
    OVERDUE,
    Standing,
    standard_counted_from,
    standard_key,
    standings,
)

NUDGE_REASONS = {
    OVERDUE: StandardNotice.Reason.NUDGE_OVERDUE,
    DUE_SOON: StandardNotice.Reason.NUDGE_DUE_SOON,
}
KIND = "supervision_due"


def notice_send(
    *,
    profile: StaffProfile,
    reason: str,
    due_on: datetime.date,
    sent_by=None,
    due_at: datetime.datetime | None = None,
) -> StandardNotice | None:
    """One notice through the outbox (email and in app); None if this one was sent before."""
    try:
        with transaction.atomic():
            notice = StandardNotice.objects.create(
                organisation_id=profile.organisation_id,
                user=profile.user,
                reason=reason,
                due_on=due_on,
                sent_by=sent_by,
            )
    except IntegrityError:
        return None
    notification_schedule(
        recipient=profile.user,
        kind=KIND,
        target=notice,
        due_at=due_at or timezone.now(),
        organisation_id=profile.organisation_id,
        time_zone=profile.organisation.time_zone,
    )
    return notice


@dataclass(frozen=True)
class NudgeResult:
    sent: int
    already: int  # told before for this reason and due date
    not_due: int  # up to date, or under no standard


def standard_nudge(
    *, actor, organisation: Organisation, people, programme=None, now=None
) -> NudgeResult:
    """Nudge each of `people` (a StaffProfile queryset the caller scoped) who is due
    soon or overdue, once per reason per due date; audited."""
    now = now or timezone.now()
    found: dict[int, Standing] = standings(people, now=now, programme=programme)
    sent = already = not_due = 0
    nudged = []
    with transaction.atomic():
        for profile in people.select_related("user", "organisation"):
            standing = found.get(profile.pk)
            if standing is None or standing.status not in NUDGE_REASONS or not standing.due_on:
                not_due += 1
                continue
            notice = notice_send(
                profile=profile,
                reason=NUDGE_REASONS[standing.status],
                due_on=standing.due_on,
                sent_by=actor,
                due_at=now,
            )
            if notice is None:
                already += 1
            else:
                sent += 1
                nudged.append(profile.pk)
        audit_log(
            actor=actor,
            action="standard.nudged",
            target=organisation,
            summary=f"Nudged {sent} people about supervision ({already} already told, "
            f"{not_due} not due)",
            organisation_id=organisation.pk,
            details={
                "nudged": nudged,
                "programme": programme.pk if programme else None,
            },
        )
    if sent:
        dispatch_soon()
    return NudgeResult(sent, already, not_due)


def profession_standard_set(
    *,
    actor,
    organisation: Organisation,
    profession: str,
    standard_kind: str,
    standard_weeks: int | None,
    standard_sessions: int | None,
    standard_counts_groups: bool,
) -> ProfessionStandard | None:
    """Set (or, with no minimum, remove) the organisation's default for a profession."""
    with transaction.atomic():
        current = (
            ProfessionStandard.objects.select_for_update()
            .filter(organisation=organisation, profession=profession)
            .first()
        )
        if not standard_kind:
            if current is not None:
                current.delete()
            result = None
        else:
            result = current or ProfessionStandard(organisation=organisation, profession=profession)
            before = standard_key(current) if current is not None else None
            result.standard_kind = standard_kind
            result.standard_weeks = standard_weeks
            result.standard_sessions = standard_sessions
            result.standard_counts_groups = standard_counts_groups
            standard_counted_from(result, before, organisation.time_zone)
            result.full_clean()
            result.save()
        audit_log(
            actor=actor,
            action="standard.profession_set",
            target=organisation,
            summary=f"Minimum frequency for {profession}: {standard_kind or 'none'} "
            f"{standard_weeks or standard_sessions or ''}".strip(),
            organisation_id=organisation.pk,
            details={
                "profession": profession,
                "kind": standard_kind,
                "weeks": standard_weeks,
                "sessions": standard_sessions,
                "groups_count": standard_counts_groups,
            },
        )
    return result
