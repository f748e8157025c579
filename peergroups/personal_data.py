"""A person's own data held by peergroups, and erasing a leaver's private text.

Per the confidentiality table (DESIGN.md):
- a member gets their memberships and their own attendance; a group's record
  names nobody, so it is not their personal data and stays in the app;
- a facilitator gets the groups they run and when they wrote each record,
  not the record's text (it is the group's);
- a requester gets their peer-support requests whole, with the check-ins;
- a supporter gets the requests they supported and the check-ins they logged
  as facts (dates, how, outcome) — not who asked, what about, contact details
  or check-in notes, which are the requester's and stay in the app.
"""

from typing import Any

from django.db.models import Prefetch

from accounts.personal_data import blank_fields

from .models import (
    Attendance,
    CheckIn,
    CommunityReply,
    CommunityThread,
    Group,
    GroupRecord,
    Membership,
    PeerSupporterProfile,
    SupportHandback,
    SupportRequest,
    ThemeStatement,
)


def _name(person) -> str:
    return person.get_full_name() if person is not None else ""


def _supporter_profile(user) -> dict[str, Any] | None:
    profile = PeerSupporterProfile.objects.filter(user=user).first()
    if profile is None:
        return None
    return {
        "available_for_new_requests": profile.available,
        "most_people_supported_at_once": profile.capacity,
        "trained_on": profile.trained_on,
        "training_course": profile.training,
        "refresher_due": profile.refresher_due,
    }


def _requests_made(user) -> list[dict[str, Any]]:
    requests = (
        SupportRequest.objects.filter(requester=user)
        .select_related("supporter")
        .prefetch_related(Prefetch("checkins", queryset=CheckIn.objects.order_by("happened_at")))
        .order_by("created_at", "pk")
    )
    return [
        {
            "asked": request.created_at,
            "what_happened": request.get_event_kind_display() if request.event_kind else "",
            "how_to_contact_you": request.get_contact_mode_display(),
            "contact_details": request.contact_detail,
            "note": request.note,
            "status": request.get_status_display(),
            "supporter": _name(request.supporter),
            "assigned": request.assigned_at,
            "first_contact_due": request.first_contact_due,
            "first_contact": request.first_contacted_on,
            "closed": request.closed_at,
            "outcome": request.get_outcome_display() if request.outcome else "",
            "check_ins": [
                {
                    "when": checkin.happened_at,
                    "how": checkin.get_mode_display(),
                    "notes": checkin.notes,
                    "next_due": checkin.next_due,
                }
                for checkin in request.checkins.all()
            ],
        }
        for request in requests
    ]


def _support_given(user) -> list[dict[str, Any]]:
    requests = (
        SupportRequest.objects.filter(supporter=user)
        .only(
            "pk",
            "status",
            "assigned_at",
            "first_contacted_on",
            "closed_at",
            "outcome",
            "created_at",
        )
        .prefetch_related(
            Prefetch(
                "checkins",
                queryset=CheckIn.objects.filter(logged_by=user)
                .only("request_id", "happened_at", "mode", "next_due")
                .order_by("happened_at"),
            )
        )
        .order_by("created_at", "pk")
    )
    return [
        {
            "request_number": request.pk,
            "status": request.get_status_display(),
            "assigned": request.assigned_at,
            "first_contact": request.first_contacted_on,
            "closed": request.closed_at,
            "outcome": request.get_outcome_display() if request.outcome else "",
            "check_ins_you_logged": [
                {
                    "when": checkin.happened_at,
                    "how": checkin.get_mode_display(),
                    "next_due": checkin.next_due,
                }
                for checkin in request.checkins.all()
            ],
        }
        for request in requests
    ]


def export_for(user) -> dict[str, Any]:
    """Everything peergroups holds about `user` that they may read themselves."""
    data: dict[str, Any] = {
        "group_memberships": [
            {
                "group": membership.group.name,
                "status": membership.get_state_display(),
                "asked_to_join": membership.requested_at,
                "on_waiting_list_since": membership.waiting_since,
                "joined": membership.joined_at,
                "offer_expires": membership.offer_expires_at,
                "ended": membership.ended_at,
                "reason": membership.reason,
            }
            for membership in Membership.objects.filter(user=user)
            .select_related("group")
            .order_by("requested_at", "pk")
        ],
        "group_attendance": [
            {
                "group": mark.session.group.name,
                "meeting_starts": mark.session.starts_at,
                "meeting_ends": mark.session.ends_at,
                "attendance": mark.get_status_display(),
            }
            for mark in Attendance.objects.filter(user=user)
            .select_related("session__group")
            .order_by("session__starts_at", "pk")
        ],
        "groups_you_facilitate": [
            {
                "group": group.name,
                "type": group.get_group_type_display(),
                "running": group.is_active,
            }
            for group in Group.objects.filter(facilitators=user).order_by("name", "pk")
        ],
        "group_records_you_wrote": [
            {
                "group": record.session.group.name,
                "meeting_starts": record.session.starts_at,
                "last_written": record.written_at,
            }
            for record in GroupRecord.objects.filter(written_by=user)
            .select_related("session__group")
            .order_by("session__starts_at", "pk")
        ],
        # Facts only, as for records: the statement is the organisation's and names nobody.
        "group_themes_you_wrote": [
            {
                "group": statement.meeting.group.name,
                "meeting_starts": statement.meeting.starts_at,
                "theme": statement.theme.name,
                "state": statement.get_state_display(),
            }
            for statement in ThemeStatement.objects.filter(drafted_by=user)
            .select_related("meeting__group", "theme")
            .order_by("meeting__starts_at", "pk")
        ],
        "peer_support_requests_you_made": _requests_made(user),
    }
    supporter = _supporter_profile(user)
    if supporter is not None:
        data["peer_supporter_profile"] = supporter
    given = _support_given(user)
    if supporter is not None or given:
        data["peer_support_you_gave"] = given
    stepped_back = [
        {
            "request_number": handback.request_id,
            "when": handback.created_at,
            "reason": handback.get_reason_display(),
            "after_first_contact": handback.after_first_contact,
        }
        for handback in SupportHandback.objects.filter(supporter=user).order_by("created_at", "pk")
    ]
    if stepped_back:
        data["peer_support_you_stepped_back_from"] = stepped_back
    data.update(_community_posts(user))
    return data


def _community_posts(user) -> dict[str, Any]:
    """What the person wrote in learning communities: their own words, whole."""
    questions = [
        {
            "community": thread.community.name,
            "asked": thread.created_at,
            "title": thread.title,
            "question": thread.body,
            "removed_by_a_moderator": thread.hidden_at is not None,
        }
        for thread in CommunityThread.objects.filter(author=user)
        .select_related("community")
        .order_by("created_at", "pk")
    ]
    replies = [
        {
            "community": reply.thread.community.name,
            "written": reply.created_at,
            "reply": reply.body,
            "removed_by_a_moderator": reply.hidden_at is not None,
        }
        for reply in CommunityReply.objects.filter(author=user)
        .select_related("thread__community")
        .order_by("created_at", "pk")
    ]
    if not (questions or replies):
        return {}
    return {
        "learning_community_questions_you_asked": questions,
        "learning_community_replies_you_wrote": replies,
    }


def erase_private_text(user) -> dict[str, int]:
    """Blank a leaver's free text; keep memberships, attendance and request facts.

    Check-in notes a leaver wrote as a supporter stay: they belong to the
    requester's record, and the requester may still be here to read them. A
    group's record stays: it is the group's and names nobody. So do questions and
    replies in a learning community: they are the community's guidance, written
    to identify nobody; the author's name goes with the anonymised account.
    """
    return {
        "support_request_text": blank_fields(
            SupportRequest.objects.filter(requester=user), "note", "contact_detail"
        ),
        "check_in_notes": blank_fields(CheckIn.objects.filter(request__requester=user), "notes"),
        "membership_reasons": blank_fields(Membership.objects.filter(user=user), "reason"),
    }
