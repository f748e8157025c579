"""A person's own data held by supervision, and erasing a leaver's private text.

What the export holds follows the confidentiality table (DESIGN.md): a
supervisee gets their sessions with the shared record of each; a supervisor
gets the sessions they ran as facts (when, with whom, what happened, whether
logged) but not the record's content, which is about the supervisee and stays
in the app where access is checked. Nobody gets another person's profile.
"""

from typing import Any

from django.db.models import Prefetch, Q

from accounts.personal_data import blank_fields
from kernel.models import RoleGrant, StaffProfile, SupervisionFunction

from .models import (
    Agreement,
    AllowanceExtra,
    AvailabilityException,
    AvailabilitySlot,
    Session,
    SessionRecord,
    SupervisorProfile,
    WeeklyAvailability,
)


def _name(person) -> str:
    return person.get_full_name() if person is not None else ""


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _profile(user) -> dict[str, Any] | None:
    profile = (
        StaffProfile.objects.filter(user=user)
        .select_related("organisation", "department", "line_manager__user")
        .first()
    )
    if profile is None:
        return None
    return {
        "organisation": profile.organisation.name,
        "department": profile.department.name if profile.department else "",
        "profession": profile.get_profession_display(),
        "band": profile.get_band_display(),
        "grade": profile.get_grade_display(),
        "job_title": profile.job_title,
        "staff_number": profile.employee_number,
        "line_manager": _name(profile.line_manager.user) if profile.line_manager else "",
        "start_date": profile.start_date,
        "invited": profile.invited_at,
        "added": profile.created_at,
    }


def _supervisor_profile(user) -> dict[str, Any] | None:
    profile = (
        SupervisorProfile.objects.filter(user=user)
        .prefetch_related("programmes", "training")
        .first()
    )
    if profile is None:
        return None
    return {
        "programmes": [programme.name for programme in profile.programmes.all()],
        "capacity": profile.capacity,
        "accepting_new_supervisees": profile.accepting_new,
        "about_you": profile.bio,
        "mode": profile.get_mode_display(),
        "meeting_link": profile.meeting_link,
        "location": profile.location,
        "training": [
            {
                "training": record.get_kind_display(),
                "course_or_provider": record.title,
                "completed_on": record.completed_on,
                "refresher_due": record.renewal_due,
            }
            for record in profile.training.all()
        ],
    }


def _agreements(user) -> list[dict[str, Any]]:
    agreements = (
        Agreement.objects.filter(Q(supervisor=user) | Q(supervisee=user))
        .select_related("programme", "supervisor", "supervisee")
        .order_by("created_at", "pk")
    )
    return [
        {
            "programme": agreement.programme.name,
            "your_role": "supervisor" if agreement.supervisor_id == user.pk else "supervisee",
            "supervisor": _name(agreement.supervisor),
            "supervisee": _name(agreement.supervisee),
            "status": agreement.get_status_display(),
            "ground_rules": agreement.ground_rules,
            "how_often": agreement.frequency,
            "limits_of_confidentiality": agreement.confidentiality_limits,
            "start_date": agreement.start_date,
            "review_date": agreement.review_date,
            "supervisor_accepted": agreement.supervisor_accepted_at,
            "supervisee_accepted": agreement.supervisee_accepted_at,
            "ended": agreement.ended_at,
            "reason_for_ending": agreement.end_reason,
        }
        for agreement in agreements
    ]


def _session_facts(session: Session) -> dict[str, Any]:
    return {
        "programme": session.programme.name,
        "starts": session.starts_at,
        "ends": session.ends_at,
        "mode": session.get_mode_display(),
        "status": session.get_status_display(),
        "cancelled_by": session.get_cancelled_by_display() if session.cancelled_by else "",
        "cancelled": session.cancelled_at,
        "cancellation_reason": session.cancellation_reason,
        "late_cancellation": session.late_cancellation,
    }


def _record(session: Session) -> dict[str, Any] | None:
    try:
        record = session.record
    except SessionRecord.DoesNotExist:
        return None
    return {
        "minutes": record.actual_minutes,
        "functions_covered": [_label(SupervisionFunction, f) for f in record.functions],
        "themes": [theme.name for theme in record.themes.all()],
        "agreed_actions": record.agreed_actions,
        "concern_escalated": record.escalated,
        "escalated_on": record.escalated_on,
        "escalated_to": record.escalated_to,
        "your_comment": record.supervisee_comment,
        "you_confirmed": record.supervisee_confirmed_at,
        "logged": record.logged_at,
    }


def _sessions(user) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    as_supervisee = (
        Session.objects.filter(supervisee=user)
        .select_related("programme", "supervisor", "record")
        .prefetch_related(Prefetch("record__themes"))
        .order_by("starts_at", "pk")
    )
    as_supervisor = (
        Session.objects.filter(supervisor=user)
        .select_related("programme", "supervisee", "record")
        .order_by("starts_at", "pk")
    )
    supervised = [
        {
            **_session_facts(session),
            "supervisor": _name(session.supervisor),
            "meeting_link_or_location": session.where,
            "record": _record(session),
        }
        for session in as_supervisee
    ]
    ran = []
    for session in as_supervisor:
        record = getattr(session, "record", None)
        ran.append(
            {
                **_session_facts(session),
                "supervisee": _name(session.supervisee),
                "logged": record.logged_at if record else None,
            }
        )
    return supervised, ran


def _availability(user) -> dict[str, list[dict[str, Any]]]:
    return {
        "single_slots": [
            {"starts": slot.starts_at, "ends": slot.ends_at, "mode": slot.get_mode_display()}
            for slot in AvailabilitySlot.objects.filter(supervisor=user).order_by("starts_at")
        ],
        "weekly_windows": [
            {
                "day": window.get_weekday_display(),
                "from": window.start_time,
                "until": window.end_time,
                "first_week": window.valid_from,
                "last_week": window.valid_until,
                "mode": window.get_mode_display(),
            }
            for window in WeeklyAvailability.objects.filter(supervisor=user)
        ],
        "time_away": [
            {"from": away.starts_at, "until": away.ends_at, "reason": away.reason}
            for away in AvailabilityException.objects.filter(supervisor=user).order_by("starts_at")
        ],
    }


def export_for(user) -> dict[str, Any]:
    """Everything supervision holds about `user` that they may read themselves."""
    supervised, ran = _sessions(user)
    data: dict[str, Any] = {
        "staff_profile": _profile(user),
        "roles": [
            {
                "role": grant.get_role_display(),
                "organisation": grant.organisation.name,
                "granted": grant.granted_at,
            }
            for grant in RoleGrant.objects.filter(user=user).select_related("organisation")
        ],
        "agreements": _agreements(user),
        "sessions_as_supervisee": supervised,
        "sessions_as_supervisor": ran,
        "extra_sessions_granted": [
            {
                "programme": extra.programme.name,
                "sessions": extra.sessions,
                "reason": extra.reason,
                "from": extra.valid_from,
                "until": extra.valid_until,
                "revoked_at": extra.revoked_at,
                "revoke_reason": extra.revoke_reason,
            }
            for extra in AllowanceExtra.objects.filter(user=user).select_related("programme")
        ],
    }
    supervisor = _supervisor_profile(user)
    if supervisor is not None:
        data["supervisor_profile"] = supervisor
        data["availability"] = _availability(user)
    return data


def erase_private_text(user) -> dict[str, int]:
    """Blank a leaver's free text; keep sessions, records' facts and attendance.

    Kept: every session and its status and times, who took part, a record's
    duration, functions, themes and escalation facts (what reports count, and
    what a safeguarding review may need). Blanked: what the leaver wrote or
    what was written about them in free text.
    """
    own_cancellations = Q(supervisee=user, cancelled_by=Session.CancelledBy.SUPERVISEE) | Q(
        supervisor=user, cancelled_by=Session.CancelledBy.SUPERVISOR
    )
    return {
        "job_title": blank_fields(StaffProfile.objects.filter(user=user), "job_title"),
        # The ESR number names the person as surely as their name does. Blank, an
        # ESR import no longer matches them: a row for them adds a new person.
        "staff_number": blank_fields(StaffProfile.objects.filter(user=user), "employee_number"),
        "supervisor_profile": blank_fields(
            SupervisorProfile.objects.filter(user=user), "bio", "meeting_link", "location"
        ),
        "session_record_text": blank_fields(
            SessionRecord.objects.filter(session__supervisee=user),
            "agreed_actions",
            "supervisee_comment",
        ),
        "cancellation_reasons": blank_fields(
            Session.objects.filter(own_cancellations), "cancellation_reason"
        ),
        "agreement_end_reasons": blank_fields(
            Agreement.objects.filter(ended_by=user), "end_reason"
        ),
        "time_away_reasons": blank_fields(
            AvailabilityException.objects.filter(supervisor=user), "reason"
        ),
        "extra_session_reasons": blank_fields(AllowanceExtra.objects.filter(user=user), "reason"),
        "extra_session_revoke_reasons": blank_fields(
            AllowanceExtra.objects.filter(user=user), "revoke_reason"
        ),
    }
