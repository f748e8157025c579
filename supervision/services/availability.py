"""A supervisor's own set-up: their profile, training records and availability.

Every change is audited. Availability entries of one kind may not overlap:
each add takes a lock on the supervisor's user row first, so two adds by the
same person cannot both pass the overlap check (on SQLite every transaction is
IMMEDIATE, which serialises writers anyway).
"""

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from kernel.dates import format_moment
from kernel.models import Modality, Programme, StaffProfile

from ..allowances import choice_refusal, offer_refusal
from ..availability import notice_refusal, weekly_notice_refusal
from ..models import (
    AvailabilityException,
    AvailabilitySlot,
    Mode,
    SupervisorProfile,
    TrainingRecord,
    WeeklyAvailability,
)

AvailabilityEntry = AvailabilitySlot | WeeklyAvailability | AvailabilityException

KIND_OF_MODEL = {
    AvailabilitySlot: "slot",
    WeeklyAvailability: "weekly",
    AvailabilityException: "away",
}


def _organisation_id(user_id: int) -> int | None:
    """The organisation an audit entry about this person belongs to."""
    return (
        StaffProfile.objects.filter(user_id=user_id)
        .values_list("organisation_id", flat=True)
        .first()
    )


def organisation_zone(user) -> zoneinfo.ZoneInfo:
    """The time zone of the user's organisation (the site's zone if they have no profile)."""
    name = (
        StaffProfile.objects.filter(user=user)
        .values_list("organisation__time_zone", flat=True)
        .first()
    )
    return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)


def _lock(user) -> None:
    """Serialise availability changes of one supervisor (see the module docstring)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def _local(moment: datetime.datetime, zone: zoneinfo.ZoneInfo) -> str:
    return format_moment(moment, zone.key)


def _hhmm(value: datetime.time) -> str:
    return value.strftime("%H:%M")


def _refuse_ended_programmes(supervisor, first_day: datetime.date, field: str) -> None:
    """Time is offered through the supervisor's one-to-one programmes: none may be
    offered from a day by which all their allowance periods have ended."""
    programmes = Programme.objects.filter(
        supervisors__user=supervisor, is_active=True, modality=Modality.ONE_TO_ONE
    ).order_by("name")
    today = timezone.localdate(timezone.now(), organisation_zone(supervisor))
    refusal = offer_refusal(programmes, max(first_day, today), today)
    if refusal:
        raise ValidationError({field: refusal})


def _delivery(mode: str, meeting_link: str, location: str) -> dict[str, str]:
    """Where sessions in this time happen; online needs a link, in person a place."""
    if mode == Mode.ONLINE and not meeting_link:
        raise ValidationError({"meeting_link": _("Enter a meeting link for online sessions")})
    if mode == Mode.IN_PERSON and not location:
        raise ValidationError({"location": _("Enter where in-person sessions take place")})
    return {"mode": mode, "meeting_link": meeting_link, "location": location}


# --- Profile and training -----------------------------------------------------


@transaction.atomic
def supervisor_profile_get_or_create(*, user) -> SupervisorProfile:
    """The user's supervisor profile, made with the model's defaults the first time."""
    profile, created = SupervisorProfile.objects.get_or_create(user=user)
    if created:
        audit_log(
            actor=user,
            action="supervisor.profile_created",
            target=profile,
            organisation_id=_organisation_id(user.pk),
            summary=f"Supervisor profile created for {user.email}",
        )
    return profile


@transaction.atomic
def supervisor_profile_update(
    *,
    actor,
    profile: SupervisorProfile,
    capacity: int,
    accepting_new: bool,
    bio: str,
    programmes,
    offered_programmes,
    mode: str,
    meeting_link: str,
    location: str,
    teams_organiser: str | None = None,
) -> SupervisorProfile:
    """Change how a supervisor works; the audit entry names what changed.

    `teams_organiser`: None leaves it as it is (the form did not ask).

    `programmes` are the chosen ones among `offered_programmes` (those the form
    showed). Programmes the form did not show, such as one that is closed for
    booking for now, are left as they were rather than silently dropped.
    """
    fields = {
        "capacity": capacity,
        "accepting_new": accepting_new,
        "bio": bio,
        **_delivery(mode, meeting_link, location),
    }
    if teams_organiser is not None:
        fields["teams_organiser"] = teams_organiser.strip()
    offered = {programme.pk for programme in offered_programmes}
    chosen = {programme.pk for programme in programmes}
    if chosen - offered:
        raise ValidationError(_("You can only choose programmes of your own organisation."))
    current = set(profile.programmes.values_list("pk", flat=True))
    for programme in programmes:
        refusal = None if programme.pk in current else choice_refusal(programme)
        if refusal:
            raise ValidationError({"programmes": refusal})

    changed = [name for name, value in fields.items() if getattr(profile, name) != value]
    for name in changed:
        setattr(profile, name, fields[name])
    wanted = (current - offered) | chosen
    if wanted != current:
        changed.append("programmes")

    profile.full_clean()
    profile.save()
    if wanted != current:
        profile.programmes.set(Programme.objects.filter(pk__in=wanted))
    if changed:
        audit_log(
            actor=actor,
            action="supervisor.profile_updated",
            target=profile,
            organisation_id=_organisation_id(profile.user_id),
            summary=f"Supervisor profile of {profile.user.email} updated",
            details={
                "fields": changed,
                "programmes": sorted(wanted),
                "capacity": profile.capacity,
                "accepting_new": profile.accepting_new,
            },
        )
    return profile


@transaction.atomic
def training_add(
    *,
    actor,
    profile: SupervisorProfile,
    kind: str,
    title: str,
    completed_on: datetime.date,
    renewal_due: datetime.date | None = None,
) -> TrainingRecord:
    """Record a course the supervisor has completed."""
    if renewal_due is not None and renewal_due <= completed_on:
        raise ValidationError(_("The refresher must be due after the training was completed."))
    record = TrainingRecord(
        supervisor=profile,
        kind=kind,
        title=title,
        completed_on=completed_on,
        renewal_due=renewal_due,
    )
    record.full_clean()
    record.save()
    audit_log(
        actor=actor,
        action="training.added",
        target=record,
        organisation_id=_organisation_id(profile.user_id),
        summary=f"Training added for {profile.user.email}: {record.kind}",
        details={"kind": kind, "completed_on": completed_on.isoformat()},
    )
    return record


@transaction.atomic
def training_delete(*, actor, record: TrainingRecord) -> None:
    profile = record.supervisor
    audit_log(
        actor=actor,
        action="training.removed",
        target=record,
        organisation_id=_organisation_id(profile.user_id),
        summary=f"Training removed: {record.kind}",
        details={"kind": record.kind, "completed_on": record.completed_on.isoformat()},
    )
    record.delete()


# --- Availability ---------------------------------------------------------------


def _audit_added(actor, entry: AvailabilityEntry, summary: str, details: dict) -> None:
    audit_log(
        actor=actor,
        action="availability.added",
        target=entry,
        organisation_id=_organisation_id(entry.supervisor_id),
        summary=summary,
        details={"kind": KIND_OF_MODEL[type(entry)], **details},
    )


def _refuse_overlap(model, supervisor, starts_at, ends_at, message: str) -> None:
    """Raise `message` (with the clash's local times) if an entry of `model` overlaps."""
    clash = model.objects.filter(
        supervisor=supervisor, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).first()
    if clash is not None:
        zone = organisation_zone(supervisor)
        raise ValidationError(
            message % {"start": _local(clash.starts_at, zone), "end": _local(clash.ends_at, zone)}
        )


@transaction.atomic
def slot_add(
    *,
    actor,
    supervisor,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    mode: str = Mode.ONLINE,
    meeting_link: str = "",
    location: str = "",
) -> AvailabilitySlot:
    """Offer one period (UTC times). Refused if it starts inside the minimum notice or
    overlaps another single slot."""
    refusal = notice_refusal(starts_at, timezone.now())
    if refusal:
        raise ValidationError({"start_time": refusal})
    _refuse_ended_programmes(
        supervisor, timezone.localdate(starts_at, organisation_zone(supervisor)), "date"
    )
    _lock(supervisor)
    _refuse_overlap(
        AvailabilitySlot,
        supervisor,
        starts_at,
        ends_at,
        _(
            "This overlaps a single slot you already offer, from %(start)s until "
            "%(end)s. Change the times, or delete that slot first."
        ),
    )
    slot = AvailabilitySlot(
        supervisor=supervisor,
        starts_at=starts_at,
        ends_at=ends_at,
        **_delivery(mode, meeting_link, location),
    )
    slot.full_clean()
    slot.save()
    _audit_added(
        actor,
        slot,
        f"Single slot added {starts_at.isoformat()} to {ends_at.isoformat()}",
        {"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "mode": mode},
    )
    return slot


@transaction.atomic
def weekly_add(
    *,
    actor,
    supervisor,
    weekday: int,
    start_time: datetime.time,
    end_time: datetime.time,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    mode: str = Mode.ONLINE,
    meeting_link: str = "",
    location: str = "",
) -> WeeklyAvailability:
    """Offer a window every week (wall-clock times). Refused if it overlaps another window,
    or if none of its weeks starts outside the minimum notice."""
    _refuse_ended_programmes(supervisor, valid_from, "valid_from")
    _lock(supervisor)
    clashes = WeeklyAvailability.objects.filter(
        supervisor=supervisor,
        weekday=weekday,
        start_time__lt=end_time,
        end_time__gt=start_time,
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from))
    if valid_until is not None:
        clashes = clashes.filter(valid_from__lte=valid_until)
    clash = clashes.first()
    if clash is not None:
        raise ValidationError(
            _(
                "This overlaps your weekly window on %(day)s, %(start)s to %(end)s. "
                "Change the times, or delete that window first."
            )
            % {
                "day": clash.get_weekday_display(),
                "start": _hhmm(clash.start_time),
                "end": _hhmm(clash.end_time),
            }
        )
    window = WeeklyAvailability(
        supervisor=supervisor,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        valid_from=valid_from,
        valid_until=valid_until,
        **_delivery(mode, meeting_link, location),
    )
    window.full_clean()
    refusal = weekly_notice_refusal(window, organisation_zone(supervisor), timezone.now())
    if refusal:
        raise ValidationError({"valid_until": refusal})
    window.save()
    _audit_added(
        actor,
        window,
        f"Weekly window added: day {weekday}, {_hhmm(start_time)}-{_hhmm(end_time)}",
        {
            "weekday": weekday,
            "start_time": _hhmm(start_time),
            "end_time": _hhmm(end_time),
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
            "mode": mode,
        },
    )
    return window


@transaction.atomic
def exception_add(
    *,
    actor,
    supervisor,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    reason: str = "",
) -> AvailabilityException:
    """Mark time away: no slots are offered inside it. Refused if it overlaps other time away."""
    _lock(supervisor)
    _refuse_overlap(
        AvailabilityException,
        supervisor,
        starts_at,
        ends_at,
        _(
            "This overlaps time away you have already added, from %(start)s until "
            "%(end)s. Change the dates, or delete that time away first."
        ),
    )
    away = AvailabilityException(
        supervisor=supervisor, starts_at=starts_at, ends_at=ends_at, reason=reason
    )
    away.full_clean()
    away.save()
    _audit_added(
        actor,
        away,
        f"Time away added {starts_at.isoformat()} to {ends_at.isoformat()}",
        # The reason stays out of the audit trail: it may be personal (sick leave).
        {"starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()},
    )
    return away


@transaction.atomic
def availability_delete(*, actor, entry: AvailabilityEntry) -> None:
    """Remove a slot, weekly window or time away. Sessions already booked are kept."""
    audit_log(
        actor=actor,
        action="availability.removed",
        target=entry,
        organisation_id=_organisation_id(entry.supervisor_id),
        summary=f"Availability removed ({KIND_OF_MODEL[type(entry)]})",
        details={"kind": KIND_OF_MODEL[type(entry)]},
    )
    entry.delete()
