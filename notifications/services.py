"""Scheduling, moving and cancelling notifications. Other apps call these."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q

from kernel.queueing import enqueue_after_commit
from kernel.records import record_type

from . import registry
from .models import Notification, NotificationPreference
from .quiet_hours import outside_quiet_hours


def notification_schedule(
    *,
    recipient,
    kind: str,
    target: models.Model,
    due_at: datetime.datetime,
    organisation_id: int | None = None,
    payload: dict | None = None,
    time_zone: str | None = None,
) -> Notification:
    """Schedule one notification; scheduling the same one again changes nothing.

    `time_zone` is the recipient's organisation's, for quiet hours.
    A cancelled one scheduled again (a session moved back) becomes pending again,
    as a new version (a new Message-ID).
    """
    spec = registry.get(kind)
    if spec is None:
        raise ValueError(f"Unknown notification kind {kind!r}")
    attempt_at = due_at
    if spec.prompt:
        attempt_at = outside_quiet_hours(due_at, time_zone or settings.TIME_ZONE)
    lookup = {
        "recipient": recipient,
        "kind": kind,
        "target_type": record_type(target),
        "target_id": target.pk,
        "due_at": due_at,
    }
    defaults = {
        "organisation_id": organisation_id,
        "next_attempt_at": attempt_at,
        "payload": payload or {},
    }
    try:
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(**lookup, defaults=defaults)
    except IntegrityError:  # scheduled at the same moment by someone else
        notification, created = Notification.objects.get(**lookup), False
    if not created and notification.state == Notification.State.CANCELLED:
        Notification.objects.filter(pk=notification.pk).update(
            state=Notification.State.PENDING,
            attempts=0,
            last_error="",
            attempt_started_at=None,
            version=F("version") + 1,
            **defaults,
        )
    return notification


def notifications_cancel(*, target: models.Model, kinds=None) -> int:
    """Cancel the notifications about `target` that have not gone yet."""
    pending = Notification.objects.for_target(target).filter(
        state__in=[Notification.State.PENDING, Notification.State.SENDING]
    )
    if kinds is not None:
        pending = pending.filter(kind__in=kinds)
    return pending.cancel()


@dataclass(frozen=True)
class Superseded:
    """What notifications_supersede found: whether the recipient has been told before
    (a message sent, or an attempt to send one started), and what the unsent
    ones it cancelled carried, oldest first."""

    told: bool
    payloads: list[dict]


def notifications_supersede(
    *, recipient, target: models.Model, kinds, matching: Callable[[dict], bool] | None = None
) -> Superseded:
    """A change to `target` makes `recipient`'s unsent messages of `kinds` about it
    stale: cancel them (those whose payload `matching` accepts, if given).

    Call it before scheduling the message about the change, which then says what
    the stale ones would have said and more. A message a worker has started to
    send is not unsent: it may have gone, so it counts as told.
    """
    rows = Notification.objects.for_target(target).filter(recipient=recipient, kind__in=kinds)
    unsent = rows.filter(
        Q(state=Notification.State.PENDING)
        | Q(state=Notification.State.SENDING, attempt_started_at=None)
    )
    stale = [
        row
        for row in unsent.select_for_update().order_by("due_at", "pk")
        if matching is None or matching(row.payload)
    ]
    Notification.objects.filter(pk__in=[row.pk for row in stale]).cancel()
    told = rows.filter(
        Q(state=Notification.State.SENT)
        | Q(state=Notification.State.SENDING, attempt_started_at__isnull=False)
    ).exists()
    return Superseded(told=told, payloads=[row.payload for row in stale])


def dispatch_soon() -> None:
    """Ask a worker to dispatch now rather than at the next beat (after commit)."""
    from .tasks import dispatch_due

    enqueue_after_commit(dispatch_due, redone_by_beat=True)


def later_one_due(notification, now) -> bool:
    """Whether a later notification of the same kind about the same record is already due.

    A nudge held back (quiet hours, a quiet worker) is then not sent in a burst:
    the later one stands for it.
    """
    return Notification.objects.filter(
        target_type=notification.target_type,
        target_id=notification.target_id,
        kind=notification.kind,
        due_at__gt=notification.due_at,
        due_at__lte=now,
    ).exists()


def preferences_set(*, user, email: dict[str, bool]) -> None:
    """Save which kinds of notification `user` wants by email ({kind name: yes or no})."""
    with transaction.atomic():
        for kind, wanted in email.items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"email": wanted}
            )
