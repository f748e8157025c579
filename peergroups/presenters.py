"""What a group's page shows of its meetings and members: models turned into the
rows of its tables (`{% table rows=... %}`, kernel/components), made in Python
rather than by a {% for %} of {% table_row %} tags: the same markup, at a
fraction of the cost. Each meeting comes with `when_text` (its time in the
group's zone, peergroups.notifications_groups.meeting_when), as the views list it.
"""

from django.template.context import Context
from django.template.defaultfilters import date
from django.template.defaulttags import CsrfTokenNode
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kernel.components.base import component_html
from kernel.links import id_url

from .models import GroupSession, Membership

NOTHING = "\u2013"  # an en dash: nothing to say


def _meeting_link(meeting) -> SafeString:
    return format_html(
        '<a href="{}">{}</a>', id_url("peergroups:session", meeting.pk), meeting.when_text
    )


def _task_link(url_name: str, meeting, words: str) -> SafeString:
    """A link to do something about a meeting, which names the meeting for screen
    readers after its words ("Take the register| 5 May 2026, 14:00 to 15:00")."""
    return format_html(
        '<a href="{}">{}<span class="nhsuk-u-visually-hidden"> {}</span></a>',
        id_url(url_name, meeting.pk),
        words,
        meeting.when_text,
    )


def upcoming_rows(meetings) -> list[list]:
    """Meetings coming up: when (linked), and scheduled or cancelled."""
    return [[_meeting_link(meeting), meeting.get_status_display()] for meeting in meetings]


def past_rows(meetings) -> list[list]:
    """Past meetings, each annotated `recorded`: when, held or cancelled, and
    whether its record is written (only whether: never what it says)."""
    rows = []
    for meeting in meetings:
        cancelled = meeting.status == GroupSession.Status.CANCELLED
        if cancelled:
            held, record = _("Cancelled"), NOTHING
        else:
            held = _("Held")
            record = _("Written") if meeting.recorded else _("Not written")
        rows.append([_meeting_link(meeting), held, record])
    return rows


def attended_rows(meetings) -> list[list]:
    """Meetings a member went to: when, and a link to give feedback on it."""
    return [
        [_meeting_link(meeting), _task_link("feedback:give_meeting", meeting, _("Give feedback"))]
        for meeting in meetings
    ]


def to_complete_rows(meetings, *, show_group: bool) -> list[list]:
    """Meetings that ended without their register or record (annotated
    `needs_register` and `needs_record`): the group where the list spans several,
    when, and a link for each thing still to do."""
    rows = []
    for meeting in meetings:
        tasks = []
        if meeting.needs_register:
            tasks.append(_task_link("peergroups:session_register", meeting, _("Take the register")))
        if meeting.needs_record:
            tasks.append(_task_link("peergroups:session_record", meeting, _("Write the record")))
        group = []
        if show_group:
            group = [
                format_html(
                    '<a href="{}">{}</a>',
                    id_url("peergroups:group", meeting.group_id),
                    meeting.group.name,
                )
            ]
        rows.append([*group, _meeting_link(meeting), SafeString("<br>".join(tasks))])
    return rows


def member_rows(memberships, *, group, flagged, csrf_token: str | None = None) -> list[list]:
    """A group's members, people offered a place, asking to join or waiting: name
    (and a tag where they have missed meetings in a row, `flagged`), their place
    (an offer with when it runs out), and a link to remove them. With `csrf_token`
    (the requests to join), a button to accept each."""
    missed = component_html("tag", text=_("Missed meetings"), colour="orange")
    token = ""
    if csrf_token is not None:
        token = CsrfTokenNode().render(Context({"csrf_token": csrf_token}))
    rows = []
    for membership in memberships:
        name = membership.user.get_full_name()
        place = membership.get_state_display()
        if membership.state == Membership.State.OFFERED:
            expires = timezone.localtime(membership.offer_expires_at)  # as a template would
            until = _("until %(until)s") % {"until": date(expires, "j F H:i")}
            place = f"{place} ({until})"
        actions = []
        if csrf_token is not None:
            actions.append(
                format_html(
                    '<form method="post" action="{}" class="nhsuk-u-display-inline-block">{}{}'
                    "</form>",
                    _member_url("peergroups:member_accept", group, membership),
                    token,
                    component_html(
                        "button",
                        text=_("Accept"),
                        visually_hidden_text=name,
                        secondary=True,
                        classes="nhsuk-u-margin-bottom-0",
                    ),
                )
            )
        actions.append(
            format_html(
                '<a href="{}">{}<span class="nhsuk-u-visually-hidden"> {}</span></a>',
                _member_url("peergroups:member_remove", group, membership),
                _("Remove"),
                name,
            )
        )
        rows.append(
            [
                format_html("{} {}", name, missed) if membership.user_id in flagged else name,
                place,
                SafeString("\n".join(actions)),
            ]
        )
    return rows


def _member_url(url_name: str, group, membership) -> str:
    return id_url(url_name, group.pk, membership.pk)
