"""The notifications one-to-one supervision sends, and when.

Registered with the outbox (notifications.registry) when the app starts.
Who, when, where, and a link; nothing said in a session. The reason a session
moved or was cancelled waits in the outbox's payload, encrypted, until it is
sent; an agreement's words are read from the agreement.
"""

import copy
import datetime
import zoneinfo

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.calendar import attachment, invite_method, session_invite
from kernel.dates import format_when, hours_ahead
from kernel.models import Programme, Role, RoleGrant
from kernel.permissions import refusals_fetched
from notifications import registry
from notifications.services import (
    dispatch_soon,
    later_one_due,
    notification_schedule,
    notifications_cancel,
    notifications_supersede,
)

from .models import Agreement, Session, SessionRecord

LOG_NUDGES_AFTER = (
    datetime.timedelta(hours=48),
    datetime.timedelta(hours=96),
    datetime.timedelta(hours=144),
)
SESSION_FOLLOW_UPS = ("session_reminder", "feedback_prompt", "log_nudge")


def _sessions(ids) -> dict[int, Session]:
    return Session.objects.select_related(
        "programme__organisation", "supervisor", "supervisee"
    ).in_bulk(ids)


def _session(notification) -> Session | None:
    return registry.target(notification, _sessions)


def _when(session) -> str:
    zone = session.programme.organisation.time_zone
    return format_when(session.starts_at, session.ends_at, zone)


def _session_message(
    notification, session, subject, template, attachments=(), url=None, **extra
) -> registry.Message:
    organisation = session.programme.organisation
    return registry.Message(
        subject=str(subject),
        template=template,
        context={
            "session": session,
            "when": _when(session),
            "other": session.other_person(notification.recipient),
            "time_zone": organisation.time_zone,
            **extra,
        },
        organisation_name=organisation.name,
        url=url or session.get_absolute_url(),
        attachments=list(attachments),
    )


SESSION_CHANGES = {
    # kind: (label for the email choices, subject)
    "session_booked": (_("A session is booked"), _("Supervision booked")),
    "session_moved": (_("A session is moved"), _("Supervision moved")),
    "session_cancelled": (_("A session is cancelled"), _("Supervision cancelled")),
    "session_teams_link": (
        _("A session's Microsoft Teams link is ready"),
        _("Microsoft Teams link for your supervision"),
    ),
}


def _change(change):
    def render(notification):
        session = _session(notification)
        if session is None:
            return None
        session, stamp = _as_changed(session, notification.payload)
        cancel = change == "session_cancelled"
        organiser = notification.recipient_id == session.supervisor_id
        invite = attachment(
            session_invite(session, cancel=cancel, recipient=notification.recipient, dtstamp=stamp),
            invite_method(cancel=cancel, publish=organiser),
        )
        return _session_message(
            notification,
            session,
            f"{SESSION_CHANGES[change][1]}: {_when(session)}",
            "session_change",
            attachments=[invite],
            change=change,
            reason=notification.payload.get("reason", ""),
            previous=_previous_when(notification, session),
        )

    return render


# What the invite says of the session, frozen into the notification when the
# change is made: sent later, it still tells of that change (its SEQUENCE, its
# time and place, its DTSTAMP), not of whatever the session is by then.
FROZEN = ("sequence", "mode", "meeting_link", "location")


def _frozen(session: Session, now) -> dict:
    return {
        **{name: getattr(session, name) for name in FROZEN},
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "changed_at": now.isoformat(),
    }


def _as_changed(session: Session, payload: dict) -> tuple[Session, datetime.datetime | None]:
    """The session as it was when the change was made, and when that was.

    A notification planned before changes were frozen has no copy: the session as it is.
    """
    if "changed_at" not in payload:
        return session, None
    then = copy.copy(session)
    for name in FROZEN:
        setattr(then, name, payload[name])
    then.starts_at = datetime.datetime.fromisoformat(payload["starts_at"])
    then.ends_at = datetime.datetime.fromisoformat(payload["ends_at"])
    return then, datetime.datetime.fromisoformat(payload["changed_at"])


def _previous_when(notification, session) -> str:
    """The time a moved session had before, in words; empty for other changes."""
    payload = notification.payload
    if "previous_starts_at" not in payload:
        return ""
    return format_when(
        datetime.datetime.fromisoformat(payload["previous_starts_at"]),
        datetime.datetime.fromisoformat(payload["previous_ends_at"]),
        session.programme.organisation.time_zone,
    )


def _reminder(notification):
    session = _session(notification)
    if session is None or session.status != Session.Status.BOOKED:
        return None
    hours = notification.payload.get("hours")
    # A reminder for a time the session no longer has is stale.
    if session.starts_at - datetime.timedelta(hours=hours) != notification.due_at:
        return None
    return _session_message(
        notification,
        session,
        _("Reminder: supervision %(when)s") % {"when": hours_ahead(hours)},
        "session_reminder",
        hours=hours,
    )


def _feedback_prompt(notification):
    session = _session(notification)
    if session is None or session.status in (
        Session.Status.CANCELLED,
        Session.Status.DID_NOT_ATTEND,
    ):
        return None
    return _session_message(
        notification,
        session,
        _("How was your supervision?"),
        "feedback_prompt",
        url=reverse("feedback:give_session", args=[session.pk]),
    )


def _log_nudge(notification):
    session = _session(notification)
    if session is None or session.status != Session.Status.BOOKED:
        return None
    if later_one_due(notification, timezone.now()):
        return None
    return _session_message(
        notification, session, _("Please log your supervision session"), "log_nudge"
    )


def _confirm_prompt(notification):
    session = _session(notification)
    record = SessionRecord.objects.filter(session_id=notification.target_id).first()
    if session is None or record is None or record.supervisee_confirmed_at:
        return None
    return _session_message(
        notification, session, _("Please confirm your supervision record"), "confirm_prompt"
    )


def _allowance_nudge(notification):
    from .allowances import allowance, eligibility

    programme = (
        Programme.objects.select_related("organisation").filter(pk=notification.target_id).first()
    )
    profile = getattr(notification.recipient, "profile", None)
    if programme is None or not eligibility(programme, profile).eligible:
        return None
    left = allowance(programme, notification.recipient)
    if not left.limited or left.left == 0 or left.period.end_date is None:
        return None
    return registry.Message(
        subject=str(
            _("You have supervision sessions left before %(end)s")
            % {"end": f"{left.period.end_date:%-d %B}"}
        ),
        template="allowance_nudge",
        context={
            "programme": programme,
            "allowance": left,
            "time_zone": programme.organisation.time_zone,
        },
        organisation_name=programme.organisation.name,
        url=reverse("supervision:programmes"),
    )


def _teams_failed(notification):
    from kernel.models import OnlineMeeting
    from kernel.services.teams import online_meeting_for

    session = _session(notification)
    meeting = online_meeting_for(session) if session is not None else None
    if (
        session is None
        or meeting is None
        or meeting.state != OnlineMeeting.State.FAILED
        or session.status != Session.Status.BOOKED
    ):
        return None
    return _session_message(
        notification,
        session,
        _("We could not make the Microsoft Teams meeting for your supervision on %(when)s")
        % {"when": _when(session)},
        "teams_meeting_failed",
        error=meeting.last_error,
    )


def teams_meeting_failed(session: Session) -> None:
    """Tell the supervisor, once per failure, that the Teams meeting could not be made or
    changed, and that their own link stands (the session page offers to try again)."""
    _schedule(session, session.supervisor, "teams_meeting_failed", timezone.now())
    dispatch_soon()


# --- Extra sessions --------------------------------------------------------------

EXTRA_CHANGES = {
    # kind: (label for the email choices, subject)
    "allowance_extra_granted": (
        _("Extra supervision sessions are granted to you"),
        _("You have extra supervision sessions in %(programme)s"),
    ),
    "allowance_extra_revoked": (
        _("Extra supervision sessions are revoked"),
        _("Your extra supervision sessions in %(programme)s were revoked"),
    ),
}


def _extra_change(kind):
    def render(notification):
        from .allowances import allowance
        from .models import AllowanceExtra

        extra = (
            AllowanceExtra.objects.select_related("programme__organisation")
            .filter(pk=notification.target_id)
            .first()
        )
        if extra is None:
            return None
        programme = extra.programme
        return registry.Message(
            subject=str(EXTRA_CHANGES[kind][1] % {"programme": programme.name}),
            template="allowance_extra",
            context={
                "extra": extra,
                "revoked": kind == "allowance_extra_revoked",
                "programme": programme,
                # Read from the extra, where it is encrypted: the outbox keeps no copy.
                "reason": extra.revoke_reason if kind == "allowance_extra_revoked" else "",
                "allowance": allowance(programme, notification.recipient),
                "time_zone": programme.organisation.time_zone,
            },
            organisation_name=programme.organisation.name,
            url=reverse("supervision:programmes"),
        )

    return render


def allowance_extra_changed(extra) -> None:
    """Tell the person, once, through the outbox, that extra sessions were granted or revoked."""
    kind = "allowance_extra_revoked" if extra.is_revoked else "allowance_extra_granted"
    organisation = extra.programme.organisation
    notification_schedule(
        recipient=extra.user,
        kind=kind,
        target=extra,
        due_at=timezone.now(),
        organisation_id=organisation.pk,
        time_zone=organisation.time_zone,
    )
    dispatch_soon()


# --- Agreements ------------------------------------------------------------------

AGREEMENT_CHANGES = {
    # kind: (label for the email choices, subject with the other person's name)
    "agreement_requested": (
        _("Someone asks you to supervise them"),
        _("%(name)s asks you to supervise them"),
    ),
    "agreement_accepted": (
        _("An agreement is accepted"),
        _("%(name)s accepted your supervision agreement"),
    ),
    "agreement_changed": (
        _("An agreement's terms change"),
        _("%(name)s changed your supervision agreement: please read and accept it"),
    ),
    "agreement_declined": (
        _("A request for supervision is declined"),
        _("%(name)s declined your request for supervision"),
    ),
    "agreement_ended": (
        _("An agreement ends"),
        _("%(name)s ended your supervision agreement"),
    ),
}


ENDINGS = ("agreement_declined", "agreement_ended")


def _agreement_change(kind):
    def render(notification):
        agreement = (
            Agreement.objects.select_related("programme__organisation", "supervisor", "supervisee")
            .filter(pk=notification.target_id)
            .first()
        )
        if agreement is None:
            return None
        other = agreement.other_person(notification.recipient)
        organisation = agreement.programme.organisation
        return registry.Message(
            subject=str(AGREEMENT_CHANGES[kind][1] % {"name": other.get_full_name()}),
            template="agreement_change",
            context={
                "agreement": agreement,
                "change": kind,
                "other": other,
                # Read from the agreement, where they are encrypted: the outbox
                # keeps no copy of anyone's words.
                "reason": agreement.end_reason if kind in ENDINGS else "",
                "message": agreement.request_message if kind == "agreement_requested" else "",
                "active": agreement.status == Agreement.Status.ACTIVE,
                "time_zone": organisation.time_zone,
            },
            organisation_name=organisation.name,
            url=agreement.get_absolute_url(),
        )

    return render


def agreement_changed(agreement: Agreement, kind: str, *, actor) -> None:
    """Tell the other person in the agreement what `actor` did, once, through the outbox."""
    if kind not in AGREEMENT_CHANGES:
        raise ValueError(f"Unknown agreement change {kind!r}")
    recipient = agreement.other_person(actor)
    organisation = agreement.programme.organisation
    notification_schedule(
        recipient=recipient,
        kind=kind,
        target=agreement,
        due_at=timezone.now(),
        organisation_id=organisation.pk,
        time_zone=organisation.time_zone,
    )
    dispatch_soon()


KINDS = [
    *(
        registry.Kind(kind, label, _change(kind), prompt=False, optional=False, load=_sessions)
        for kind, (label, _subject) in SESSION_CHANGES.items()
    ),
    registry.Kind(
        "teams_meeting_failed",
        _("A Microsoft Teams meeting could not be made"),
        _teams_failed,
        prompt=False,
        optional=False,
        load=_sessions,
    ),
    registry.Kind(
        "session_reminder",
        _("Reminders before a session"),
        _reminder,
        prompt=False,
        optional=False,
        load=_sessions,
    ),
    registry.Kind(
        "feedback_prompt",
        _("Asking for feedback after a session"),
        _feedback_prompt,
        load=_sessions,
    ),
    registry.Kind(
        "log_nudge", _("Reminders to log a session you supervised"), _log_nudge, load=_sessions
    ),
    registry.Kind(
        "confirm_prompt",
        _("Asking you to confirm a session record"),
        _confirm_prompt,
        load=_sessions,
    ),
    registry.Kind(
        "allowance_nudge", _("Sessions left before your allowance ends"), _allowance_nudge
    ),
    *(
        registry.Kind(kind, label, _agreement_change(kind), prompt=False)
        for kind, (label, _subject) in AGREEMENT_CHANGES.items()
    ),
    *(
        registry.Kind(kind, label, _extra_change(kind), prompt=False)
        for kind, (label, _subject) in EXTRA_CHANGES.items()
    ),
]


def register_kinds() -> None:
    for kind in KINDS:
        registry.register(kind)


# --- Scheduling ------------------------------------------------------------------


def _schedule(session, recipient, kind, due_at, **payload):
    notification_schedule(
        recipient=recipient,
        kind=kind,
        target=session,
        due_at=due_at,
        organisation_id=session.programme.organisation_id,
        payload=payload,
        time_zone=session.programme.organisation.time_zone,
    )


def plan_follow_ups(session: Session, now) -> None:
    """Reminders before the session, the feedback prompt and log nudges after it."""
    for hours in session.programme.reminder_hours:
        due = session.starts_at - datetime.timedelta(hours=hours)
        if due > now:
            for person in (session.supervisor, session.supervisee):
                _schedule(session, person, "session_reminder", due, hours=hours)
    _schedule(session, session.supervisee, "feedback_prompt", session.ends_at)
    for after in LOG_NUDGES_AFTER:
        _schedule(session, session.supervisor, "log_nudge", session.ends_at + after)


CHANGES = {
    "booked": "session_booked",
    "rescheduled": "session_moved",
    "cancelled": "session_cancelled",
    "teams_link": "session_teams_link",
}


def session_changed(
    session: Session,
    change: str,
    reason: str = "",
    previous=None,
    hold: datetime.timedelta | None = None,
) -> None:
    """Tell both people about a booking, move or cancellation, and (re)plan what follows.

    Called inside the booking service's transaction; the rows commit with it.
    Each message carries the session as this change left it (its invite's
    SEQUENCE, time and place, and the moment of the change as DTSTAMP), and
    replaces that person's earlier messages about the session that have not
    gone yet, so a quick run of changes reaches them as one message:

    - someone never told of the session (its booking not yet sent) hears
      nothing of its cancellation, and of a move only as its booking, at the
      new time: there is nothing in their calendar to change;
    - someone told of it gets the latest change, a move saying the time they
      knew before.

    `hold`: how long a booking's message waits for the session's Teams link
    (supervision.services.teams); the link's arrival replaces it, unsent, so
    each person gets one message.
    """
    now = timezone.now()
    if change in ("rescheduled", "cancelled"):
        notifications_cancel(target=session, kinds=SESSION_FOLLOW_UPS)
    frozen = _frozen(session, now)
    for person in (session.supervisor, session.supervisee):
        earlier = notifications_supersede(
            recipient=person, target=session, kinds=list(CHANGES.values())
        )
        kind, moved_from = CHANGES[change], _moved_from(previous, earlier.payloads)
        if not earlier.told and change != "booked":
            if change == "cancelled":
                continue
            kind, moved_from = CHANGES["booked"], {}
        due = now + hold if hold is not None and kind == CHANGES["booked"] else now
        _schedule(session, person, kind, due, reason=reason, **frozen, **moved_from)
    if change != "cancelled":
        plan_follow_ups(session, now)
    dispatch_soon()


def _moved_from(previous, superseded: list[dict]) -> dict:
    """The time a person last heard the session had: the one before the first move
    they were not told of (`superseded`), or `previous`."""
    for payload in superseded:
        if "previous_starts_at" in payload:
            return {key: payload[key] for key in ("previous_starts_at", "previous_ends_at")}
    if previous is None:
        return {}
    return {
        "previous_starts_at": previous[0].isoformat(),
        "previous_ends_at": previous[1].isoformat(),
    }


def session_logged(session: Session) -> None:
    """Ask the supervisee to confirm; the supervisor needs no more nudges."""
    notifications_cancel(target=session, kinds=["log_nudge"])
    _schedule(session, session.supervisee, "confirm_prompt", timezone.now())
    dispatch_soon()


def schedule_allowance_nudges(today: datetime.date | None = None) -> int:
    """Plan nudges to eligible staff with allowance left, 6 and 2 weeks before a period ends."""
    from kernel.models import PeriodKind, StaffProfile

    from .allowances import allowance, eligibility

    today = today or timezone.localdate()
    scheduled = 0
    # With all that eligibility() and its refusal read, as the pages fetch it.
    programmes = refusals_fetched(
        list(
            Programme.objects.filter(
                is_active=True,
                period_kind=PeriodKind.FIXED,
                allowance_sessions__isnull=False,
                period_end__gte=today,
            ).select_related("organisation")
        )
    )
    for programme in programmes:
        if programme.period_end is None:
            raise ValueError("Selected on period_end__gte, so it has one.")
        zone = programme.organisation.time_zone
        for weeks in (6, 2):
            day = programme.period_end - datetime.timedelta(weeks=weeks)
            # Planned ahead (and again each day, a no-op for rows that exist),
            # so a day the beat missed loses nothing; relevance is re-checked
            # when each is sent.
            if day < today:
                continue
            due = datetime.datetime.combine(day, datetime.time(9), tzinfo=zoneinfo.ZoneInfo(zone))
            staff = StaffProfile.objects.filter(
                organisation_id=programme.organisation_id, user__is_active=True
            ).select_related("user", "department")
            for profile in staff:
                if not eligibility(programme, profile).eligible:
                    continue
                if allowance(programme, profile.user).left == 0:
                    continue
                notification_schedule(
                    recipient=profile.user,
                    kind="allowance_nudge",
                    target=programme,
                    due_at=due,
                    organisation_id=programme.organisation_id,
                    time_zone=zone,
                )
                scheduled += 1
    return scheduled


def schedule_wellbeing_digests(today: datetime.date | None = None) -> int:
    """On the first of the month, a digest to each wellbeing lead (no personal data)."""
    today = today or timezone.localdate()
    scheduled = 0
    for grant in RoleGrant.objects.filter(role=Role.WELLBEING_LEAD).select_related(
        "organisation", "user"
    ):
        zone = grant.organisation.time_zone
        due = datetime.datetime.combine(
            today.replace(day=1), datetime.time(9), tzinfo=zoneinfo.ZoneInfo(zone)
        )
        notification_schedule(
            recipient=grant.user,
            kind="wellbeing_digest",
            target=grant.organisation,
            due_at=due,
            organisation_id=grant.organisation_id,
            time_zone=zone,
        )
        scheduled += 1
    return scheduled
