"""Groups: setting them up, membership and the waiting list, meetings, registers, records.

Capacity holds under concurrency: every change that can fill a place locks the
Group row first (select_for_update) and counts active and offered places inside
the same transaction, so two people cannot take the last place at once.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log, words_given
from kernel.dates import format_when
from kernel.eligibility import WORDED
from kernel.models import Modality, Role, RoleGrant, SupervisionFunction
from kernel.prepared import PreparedForIds
from supervision.services.scheduling import (
    TimeTaken,
    commitments_move_group,
    commitments_release_group,
    commitments_reserve_group,
    committed_to_group_session,
    first_clash,
)

from ..eligibility import group_refusal
from ..models import Attendance, Group, GroupRecord, GroupSession, Membership
from ..recurrence import group_occurrences
from .series import (
    current_series,
    series_of_meeting,
    series_reschedule,
    series_start,
    series_touch,
)
from .teams import meeting_teams_plan

HORIZON = datetime.timedelta(days=183)  # meetings are generated about 6 months ahead
PLACE_TAKERS = (Membership.State.ACTIVE, Membership.State.OFFERED)
SCHEDULE_FIELDS = (
    "recurrence",
    "weekday",
    "week_of_month",
    "start_time",
    "end_time",
    "starts_on",
    "ends_on",
)
GROUP_FIELDS = (
    "programme",
    "name",
    "description",
    "group_type",
    "capacity",
    "mode",
    "meeting_link",
    "location",
    "open_to_other_organisations",
    "offer_hours",
    "absence_threshold",
    "eligible_everyone",
    "eligible_bands",
    "eligible_professions",
    "eligible_grades",
    *(f"{condition}_{part}" for condition in WORDED for part in ("message", "alternative")),
    *SCHEDULE_FIELDS,
)
# What people's calendars show of a group besides its dates: a change is sent to them.
CALENDAR_FIELDS = ("name", "group_type", "mode", "meeting_link", "location")
# Who may join, beyond the fields above: lists of other records.
RULE_LISTS = ("eligible_departments", "eligible_organisations")


class GroupRefused(Exception):
    """A change that cannot be made; the message says why, in plain words."""


def _notify():
    from .. import notifications_groups

    return notifications_groups


def _tell():
    from .. import notifications_members

    return notifications_members


def _lock(group: Group) -> Group:
    return Group.objects.select_for_update().select_related("organisation").get(pk=group.pk)


def places_taken(group: Group) -> int:
    """Places held: by members, and by people offered one (until they answer)."""
    return group.memberships.filter(state__in=PLACE_TAKERS).count()


def places_left(group: Group, current: list[Membership] | None = None) -> int:
    """The one meaning of "places left", as Group.objects.with_places_left() counts it.
    `current`: the group's current memberships, where the caller has them already."""
    if current is None:
        taken = places_taken(group)
    else:
        taken = sum(1 for membership in current if membership.state in PLACE_TAKERS)
    return max(group.capacity - taken, 0)


def waiting_position(membership: Membership) -> int:
    """Someone's place on the waiting list: 1 is next. The order is when they joined it."""
    order = list(_waiting(membership.group).values_list("pk", flat=True))
    return order.index(membership.pk) + 1 if membership.pk in order else 0


def _active_ids(group: Group) -> list[int]:
    return list(
        group.memberships.filter(state=Membership.State.ACTIVE).values_list("user_id", flat=True)
    )


def _future_meetings(group: Group, now):
    return group.sessions.filter(status=GroupSession.Status.SCHEDULED, starts_at__gt=now)


def next_meeting(group: Group, now=None, *, upcoming=None, shown=None) -> GroupSession | None:
    """The group's next meeting that is on, or None: then it is not "scheduled".

    `upcoming`: the group's meetings that have not ended, earliest first, as a page
    has fetched them, at most `shown` of them; the answer is read from them where
    they hold it (a list shorter than `shown` holds every meeting to come)."""
    now = now or timezone.now()
    if upcoming is not None:
        for meeting in upcoming:
            if meeting.status == GroupSession.Status.SCHEDULED and meeting.starts_at > now:
                return meeting
        if shown is None or len(upcoming) < shown:
            return None
    meeting = _future_meetings(group, now).order_by("starts_at").first()
    if meeting is not None:
        meeting.group = group
    return meeting


def describe_clash(
    user_ids, starts_at, ends_at, *, time_zone: str, actor=None, exclude_meeting_id=None
) -> str | None:
    """Plain words for who is not free then, or None when all are free.

    What the other commitment is (a one-to-one, another group) is said only to
    the person whose commitment it is: a facilitator or admin learns that
    someone is busy at the meeting's time, never with what.
    """
    clash = first_clash(user_ids, starts_at, ends_at, exclude_group_session_id=exclude_meeting_id)
    if clash is None:
        return None
    if actor is None or clash.user_id != actor.pk:
        name = clash.user.get_full_name() or clash.user.email
        return _("%(name)s is not free at that time (%(when)s).") % {
            "name": name,
            "when": format_when(starts_at, ends_at, time_zone),
        }
    session = clash.session  # selected with the commitment
    if session is not None:
        when = format_when(
            session.starts_at, session.ends_at, session.programme.organisation.time_zone
        )
        return _("You have a one-to-one supervision session then (%(when)s).") % {"when": when}
    meeting = (
        GroupSession.objects.select_related("group__organisation")
        .filter(pk=clash.group_session_id)
        .first()
        if clash.group_session_id is not None
        else None
    )
    if meeting is not None:
        when = format_when(meeting.starts_at, meeting.ends_at, meeting.group.organisation.time_zone)
        return _("You are at a meeting of %(group)s then (%(when)s).") % {
            "group": meeting.group.name,
            "when": when,
        }
    return _("You are already busy then.")


def _reserve(meeting: GroupSession, user_ids, *, strict: bool, actor=None) -> list[int]:
    """Reserve people's time for a meeting. Strict: refuse on any clash, naming it.

    Not strict (extending the horizon): reserve whoever is free and return the
    ids of those who are not, so one clash does not stop a group's meetings.
    """
    user_ids = list(user_ids)
    if not user_ids:
        return []
    if strict:
        clash = describe_clash(
            user_ids,
            meeting.starts_at,
            meeting.ends_at,
            time_zone=meeting.group.organisation.time_zone,
            actor=actor,
            exclude_meeting_id=meeting.pk,
        )
        if clash:
            raise GroupRefused(clash)
        try:
            commitments_reserve_group(
                user_ids=user_ids,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                group_session_id=meeting.pk,
            )
        except TimeTaken as error:
            raise GroupRefused(str(error)) from error
        return []
    busy = []
    for user_id in user_ids:
        try:
            commitments_reserve_group(
                user_ids=[user_id],
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                group_session_id=meeting.pk,
            )
        except TimeTaken:
            busy.append(user_id)
    return busy


def _people(group: Group) -> list[int]:
    return [*group.facilitators.values_list("pk", flat=True), *_active_ids(group)]


# --- Meetings generated from the recurrence -------------------------------------


def _meeting_for(group, occurrence) -> GroupSession:
    meeting = GroupSession(
        group=group,
        occurrence=occurrence.date,
        starts_at=occurrence.starts_at.astimezone(datetime.UTC),
        ends_at=occurrence.ends_at.astimezone(datetime.UTC),
    )
    meeting.full_clean(exclude=["group"])
    meeting.save()
    meeting_teams_plan(meeting)
    return meeting


def meetings_extend(
    *, group: Group, now=None, strict: bool = False, actor=None
) -> list[GroupSession]:
    """Create the group's meetings up to the horizon that do not exist yet. Safe to repeat.

    Reserves the facilitators' and active members' time and plans reminders.
    `strict` (creating a group) refuses the whole change on any clash.
    """
    now = now or timezone.now()
    zone_today = timezone.localtime(now, timezone=_zone(group)).date()
    existing = set(group.sessions.values_list("occurrence", flat=True))
    people = _people(group)
    created = []
    for occurrence in group_occurrences(group, zone_today, zone_today + HORIZON):
        if occurrence.date in existing or occurrence.starts_at <= now:
            continue
        meeting = _meeting_for(group, occurrence)
        _reserve(meeting, people, strict=strict, actor=actor)
        _notify().plan_reminders(meeting, people, now)
        created.append(meeting)
    return created


def _zone(group):
    import zoneinfo

    return zoneinfo.ZoneInfo(group.organisation.time_zone)


# --- Setting up a group ---------------------------------------------------------


def _check_setup(*, organisation, programme, facilitators, fields) -> None:
    if programme.organisation_id != organisation.pk or programme.modality != Modality.GROUP:
        raise ValidationError(_("Choose one of your organisation's group programmes."))
    for condition in WORDED:
        alternative = fields.get(f"{condition}_alternative")
        if alternative is not None and alternative.organisation_id != organisation.pk:
            raise ValidationError(
                {f"{condition}_alternative": _("Choose a programme of the same organisation.")}
            )
    if not 1 <= len(facilitators) <= 2:
        raise ValidationError(_("Choose one or two facilitators."))
    trained = set(
        RoleGrant.objects.filter(
            organisation=organisation, role=Role.FACILITATOR, user__in=facilitators
        ).values_list("user_id", flat=True)
    )
    if trained != {f.pk for f in facilitators}:
        raise ValidationError(_("Facilitators must hold the facilitator role here."))


@transaction.atomic
def group_create(*, actor, organisation, facilitators, now=None, **fields) -> Group:
    """Set up a group, generate its meetings for 6 months and reserve the facilitators' time.

    `fields` are the Group's own (GROUP_FIELDS). A facilitator's clash is refused.
    """
    facilitators = list(facilitators)
    _check_setup(
        organisation=organisation,
        programme=fields["programme"],
        facilitators=facilitators,
        fields=fields,
    )
    group = Group(organisation=organisation, **{k: fields[k] for k in fields if k in GROUP_FIELDS})
    group.full_clean()
    group.save()
    group.facilitators.set(facilitators)
    _set_rule_lists(group, fields)
    meetings = meetings_extend(group=group, now=now, strict=True, actor=actor)
    series = series_start(group)
    _tell().group_changed(
        group, series=[series], people=[], added=[f.pk for f in facilitators], now=now
    )
    audit_log(
        actor=actor,
        action="group.created",
        target=group,
        organisation_id=organisation.pk,
        summary=f"Group {group.name} set up with {len(meetings)} meetings",
    )
    return group


@transaction.atomic
def group_update(*, actor, group: Group, facilitators, now=None, **fields) -> Group:
    """Change a group's settings. A new schedule moves or cancels the future meetings.

    Future meetings on a date the new schedule keeps are moved; the others are
    cancelled, and new ones generated. Whatever changed of what calendars hold
    (dates, times, place, link, name, facilitators), each person is sent one
    message: the new dates and their updated invites, not one per meeting.
    """
    now = now or timezone.now()
    group = _lock(group)
    if not group.is_active:
        raise GroupRefused(_("This group has closed, so it cannot be changed."))
    facilitators = list(facilitators)
    _check_setup(
        organisation=group.organisation,
        programme=fields.get("programme", group.programme),
        facilitators=facilitators,
        fields=fields,
    )
    held = places_taken(group)
    if fields.get("capacity", group.capacity) < held:
        raise ValidationError(
            _(
                "The number of places must be %(count)s or more: %(count)s people are members "
                "or have been offered a place"
            )
            % {"count": held}
        )
    changed = {k for k in fields if k in GROUP_FIELDS and fields[k] != getattr(group, k)}
    schedule_changed = bool(changed & set(SCHEDULE_FIELDS))
    series = current_series(group)  # before the change: it holds the old rule
    for name, value in fields.items():
        if name in GROUP_FIELDS:
            setattr(group, name, value)
    group.full_clean()
    group.save()
    _set_rule_lists(group, fields)
    added, removed = _change_facilitators(group, facilitators, now, actor)
    calendars_change = schedule_changed or bool(changed & set(CALENDAR_FIELDS))
    touched = [series]
    if schedule_changed:
        _reschedule_future(actor, group, now)
        touched = series_reschedule(group, series, now)
    elif calendars_change or added or removed:
        series_touch(series)
    if "mode" in changed:  # online now, or no longer: Teams meetings made or cancelled
        for meeting in _future_meetings(group, now):
            meeting_teams_plan(meeting)
    meetings_extend(group=group, now=now, strict=True, actor=actor)
    if calendars_change or added or removed:
        _tell().group_changed(
            group,
            series=touched,
            # Everyone when the dates or place change; else only the facilitators who changed.
            people=_people(group) if calendars_change else [],
            added=added,
            removed=removed,
            now=now,
        )
    audit_log(
        actor=actor,
        action="group.changed",
        target=group,
        organisation_id=group.organisation_id,
        summary=f"Group {group.name} changed",
        details={"schedule_changed": schedule_changed},
    )
    return group


def _set_rule_lists(group: Group, fields: dict) -> None:
    """The departments and other organisations of the group's rule, where given.

    Departments are the host organisation's. A change applies to those who ask
    from now on: members already in the group stay.
    """
    if "eligible_departments" in fields:
        departments = list(fields["eligible_departments"] or [])
        if any(d.organisation_id != group.organisation_id for d in departments):
            raise ValidationError(_("Choose departments of the host organisation."))
        group.eligible_departments.set(departments)
    if "eligible_organisations" in fields:
        others = [
            o for o in fields["eligible_organisations"] or [] if o.pk != group.organisation_id
        ]
        group.eligible_organisations.set(others)


def _change_facilitators(group, facilitators, now, actor=None) -> tuple[list[int], list[int]]:
    """Set the facilitators; (ids added, ids removed)."""
    before = set(group.facilitators.values_list("pk", flat=True))
    after = {f.pk for f in facilitators}
    group.facilitators.set(facilitators)
    group._facilitator_ids = after
    future = list(_future_meetings(group, now))
    for meeting in future:
        if before - after:
            commitments_release_group(meeting.pk, user_ids=before - after)
        _reserve(meeting, after - before, strict=True, actor=actor)
        _notify().plan_reminders(meeting, after - before, now)
    return sorted(after - before), sorted(before - after)


def _reschedule_future(actor, group, now):
    """Move the future meetings the new rule keeps, cancel the others: quietly, as the
    caller sends each person one message for the whole change."""
    zone_today = timezone.localtime(now, timezone=_zone(group)).date()
    wanted = {o.date: o for o in group_occurrences(group, zone_today, zone_today + HORIZON)}
    for meeting in _future_meetings(group, now):
        occurrence = wanted.get(meeting.occurrence)
        if occurrence is None:
            _cancel(actor, meeting, _("The group's schedule changed."), tell=False)
        else:
            _move(
                actor,
                meeting,
                occurrence.starts_at.astimezone(datetime.UTC),
                occurrence.ends_at.astimezone(datetime.UTC),
                "",
                tell=False,
            )


# --- Membership and the waiting list ------------------------------------------------


def _check_eligible(group: Group, user, *, actor) -> None:
    """Every way into the group asks the group's rule (`peergroups.eligibility`)."""
    refusal = group_refusal(group, user, actor=actor)
    if refusal is not None:
        raise GroupRefused(refusal)


def _open_request(group: Group, user, *, actor, already: str, action: str, summary: str):
    """A new request to join for `user`, if the group takes members and its rule admits them."""
    if not group.is_active:
        raise GroupRefused(_("This group is not taking new members."))
    if group.memberships.current().filter(user=user).exists():
        raise GroupRefused(already)
    _check_eligible(group, user, actor=actor)
    membership = Membership(group=group, user=user, state=Membership.State.REQUESTED)
    membership.full_clean(exclude=["group", "user"])
    membership.save()
    audit_log(
        actor=actor,
        action=action,
        target=membership,
        organisation_id=group.organisation_id,
        summary=summary,
    )
    return membership


@transaction.atomic
def membership_request(*, actor, group: Group) -> Membership:
    """Ask to join. A facilitator or programme admin accepts the request."""
    group = _lock(group)
    return _open_request(
        group,
        actor,
        actor=actor,
        already=_("You have already asked to join this group."),
        action="group.join_requested",
        summary=f"Asked to join {group.name}",
    )


def _activate(group, membership, now, *, actor) -> None:
    """Make them a member: reserve their time for every future meeting, or refuse.
    They are sent the group's calendar series."""
    meetings = list(_future_meetings(group, now))
    for meeting in meetings:
        _reserve(meeting, [membership.user_id], strict=True, actor=actor)
    membership.state = Membership.State.ACTIVE
    membership.joined_at = now
    membership.offer_expires_at = None
    membership.full_clean(exclude=["group", "user"])
    membership.save()
    for meeting in meetings:
        _notify().plan_reminders(meeting, [membership.user_id], now)
    _tell().membership_changed(membership, "group_joined")


@transaction.atomic
def membership_accept(*, actor, membership: Membership, now=None) -> Membership:
    """Accept a request: a member if there is a place, otherwise next on the waiting list.

    The person must still be eligible (the group's rule, or their job, may have
    changed since they asked).
    """
    now = now or timezone.now()
    group = _lock(membership.group)
    membership = Membership.objects.select_related("user").get(pk=membership.pk)
    if membership.state != Membership.State.REQUESTED:
        raise GroupRefused(_("This request has already been dealt with."))
    return _admit(actor, group, membership, now)


def _admit(actor, group: Group, membership: Membership, now) -> Membership:
    """Let a requested membership in: a place if one is free, otherwise the waiting list."""
    _check_eligible(group, membership.user, actor=actor)
    if places_taken(group) < group.capacity and not _waiting(group).exists():
        _activate(group, membership, now, actor=actor)
        summary = f"Accepted into {group.name}"
    else:
        membership.state = Membership.State.WAITING
        membership.waiting_since = now
        membership.full_clean(exclude=["group", "user"])
        membership.save()
        _tell().membership_changed(membership, "group_waiting")
        summary = f"Put on the waiting list of {group.name}"
    audit_log(
        actor=actor,
        action=f"group.member_{membership.state}",
        target=membership,
        organisation_id=group.organisation_id,
        summary=summary,
    )
    return membership


@transaction.atomic
def membership_add(*, actor, group: Group, user, now=None) -> Membership:
    """A facilitator or admin adds someone (who asked them in person, say).

    The same way in as an accepted request, so the same checks: eligible, not
    already in the group, a place or else the waiting list.
    """
    now = now or timezone.now()
    group = _lock(group)
    if group.facilitators.filter(pk=user.pk).exists():
        raise GroupRefused(_("Facilitators of the group cannot also be members of it."))
    membership = _open_request(
        group,
        user,
        actor=actor,
        already=_("%(name)s is already in this group or has asked to join.")
        % {"name": user.get_full_name() or user.email},
        action="group.member_added",
        summary=f"Added to {group.name}",
    )
    return _admit(actor, group, membership, now)


def _waiting(group):
    return group.memberships.filter(state=Membership.State.WAITING).order_by("waiting_since", "pk")


def _offer_places(group, now) -> list[Membership]:
    """Offer every free place to the next people on the waiting list, in order."""
    offered: list[Membership] = []
    free = group.capacity - places_taken(group)
    for membership in _waiting(group).select_related("user"):
        if len(offered) >= free:
            break
        # Someone the group's rule no longer admits keeps their place in the queue,
        # and the offer goes to the next person who may join.
        if group_refusal(group, membership.user) is not None:
            continue
        membership.state = Membership.State.OFFERED
        membership.offer_expires_at = now + datetime.timedelta(hours=group.offer_hours)
        membership.full_clean(exclude=["group", "user"])
        membership.save()
        audit_log(
            actor=None,
            action="group.place_offered",
            target=membership,
            organisation_id=group.organisation_id,
            summary=f"Place in {group.name} offered until "
            f"{membership.offer_expires_at:%Y-%m-%d %H:%M}Z",
        )
        _notify().place_offered(membership)
        offered.append(membership)
    return offered


def _end(group, membership, state, reason, now) -> str:
    """End a place (or a request, or a wait); a freed place is offered on. Returns the
    state it had."""
    was = membership.state
    held_place = membership.state in PLACE_TAKERS
    was_active = membership.state == Membership.State.ACTIVE
    membership.state = state
    membership.reason = reason
    membership.ended_at = now
    membership.offer_expires_at = None
    membership.full_clean(exclude=["group", "user"])
    membership.save()
    if was_active:
        for meeting_id in _future_meetings(group, now).values_list("pk", flat=True):
            commitments_release_group(meeting_id, user_ids=[membership.user_id])
    if held_place:
        _offer_places(group, now)
    return was


@transaction.atomic
def membership_leave(*, actor, membership: Membership, reason: str = "", now=None) -> Membership:
    """The member leaves (or withdraws a request). A freed place goes to the waiting list."""
    now = now or timezone.now()
    group = _lock(membership.group)
    membership = Membership.objects.get(pk=membership.pk)
    if membership.user_id != actor.pk or membership.state not in Membership.CURRENT:
        raise GroupRefused(_("You are not in this group."))
    if _end(group, membership, Membership.State.LEFT, reason, now) == Membership.State.ACTIVE:
        _tell().membership_changed(membership, "group_left")
    audit_log(
        actor=actor,
        action="group.member_left",
        target=membership,
        organisation_id=group.organisation_id,
        summary=f"Left {group.name}",
        # Whether they said why, not what they said: the reason stays on the membership.
        details=words_given(reason=reason),
    )
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: Membership, reason: str, now=None) -> Membership:
    """A facilitator or admin removes someone, saying why. A freed place is offered on."""
    now = now or timezone.now()
    if not reason.strip():
        raise ValidationError(_("Give a reason for removing them."))
    group = _lock(membership.group)
    membership = Membership.objects.get(pk=membership.pk)
    if membership.state not in Membership.CURRENT:
        raise GroupRefused(_("They are no longer in this group."))
    was = _end(group, membership, Membership.State.REMOVED, reason, now)
    _tell().membership_changed(membership, "group_removed", was=was)
    audit_log(
        actor=actor,
        action="group.member_removed",
        target=membership,
        organisation_id=group.organisation_id,
        summary=f"Removed from {group.name}",
        details=words_given(reason=reason),
    )
    return membership


@transaction.atomic
def offer_accept(*, actor, membership: Membership, now=None) -> Membership:
    """Take up an offered place before its deadline."""
    now = now or timezone.now()
    group = _lock(membership.group)
    membership = Membership.objects.get(pk=membership.pk)
    if membership.user_id != actor.pk or membership.state != Membership.State.OFFERED:
        raise GroupRefused(_("There is no place on offer to you in this group."))
    if membership.offer_expires_at and membership.offer_expires_at <= now:
        raise GroupRefused(_("Sorry, this offer has expired."))
    _check_eligible(group, actor, actor=actor)
    _activate(group, membership, now, actor=actor)
    audit_log(
        actor=actor,
        action="group.offer_accepted",
        target=membership,
        organisation_id=group.organisation_id,
        summary=f"Accepted a place in {group.name}",
    )
    return membership


@transaction.atomic
def offer_decline(*, actor, membership: Membership, now=None) -> Membership:
    """Turn down an offered place; it goes to the next person waiting."""
    now = now or timezone.now()
    group = _lock(membership.group)
    membership = Membership.objects.get(pk=membership.pk)
    if membership.user_id != actor.pk or membership.state != Membership.State.OFFERED:
        raise GroupRefused(_("There is no place on offer to you in this group."))
    _end(group, membership, Membership.State.DECLINED, "", now)
    audit_log(
        actor=actor,
        action="group.offer_declined",
        target=membership,
        organisation_id=group.organisation_id,
        summary=f"Declined a place in {group.name}",
    )
    return membership


@transaction.atomic
def offers_expire(*, group_id: int, now=None) -> int:
    """Expire the group's offers past their deadline and offer the places on. Safe to repeat."""
    now = now or timezone.now()
    group = _lock(Group(pk=group_id))
    expired = list(
        group.memberships.filter(state=Membership.State.OFFERED, offer_expires_at__lte=now)
    )
    for membership in expired:
        _end(group, membership, Membership.State.DECLINED, "Offer expired", now)
        audit_log(
            actor=None,
            action="group.offer_expired",
            target=membership,
            organisation_id=group.organisation_id,
            summary=f"Offer of a place in {group.name} expired",
        )
    if expired:
        _offer_places(group, now)
    return len(expired)


# --- Moving and cancelling meetings -----------------------------------------------


def _move(actor, meeting, starts_at, ends_at, reason, *, tell: bool = True):
    """Move one meeting and everyone's time with it. `tell`: send everyone the
    change (its series again); otherwise only its reminders follow it."""
    if (meeting.starts_at, meeting.ends_at) == (starts_at, ends_at):
        return
    clash = describe_clash(
        list(committed_to_group_session(meeting.pk)),
        starts_at,
        ends_at,
        time_zone=meeting.group.organisation.time_zone,
        actor=actor,
        exclude_meeting_id=meeting.pk,
    )
    if clash:
        raise GroupRefused(clash)
    try:
        commitments_move_group(group_session_id=meeting.pk, starts_at=starts_at, ends_at=ends_at)
    except TimeTaken as error:
        raise GroupRefused(str(error)) from error
    previous = meeting.starts_at
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.sequence += 1
    meeting.full_clean(exclude=["group"])
    meeting.save()
    meeting_teams_plan(meeting)
    audit_log(
        actor=actor,
        action="group.meeting_moved",
        target=meeting,
        organisation_id=meeting.group.organisation_id,
        summary=f"Meeting moved from {previous:%Y-%m-%d %H:%M}Z to {starts_at:%Y-%m-%d %H:%M}Z",
        details=words_given(reason=reason),
    )
    _told(meeting, reason, tell)


def _told(meeting, reason, tell: bool) -> None:
    if tell:
        series_touch(series_of_meeting(meeting))
        _notify().meeting_changed(meeting, reason)
    else:
        _notify().reminders_replan(meeting)


def _cancel(actor, meeting, reason, *, tell: bool = True):
    meeting.status = GroupSession.Status.CANCELLED
    meeting.sequence += 1
    meeting.save()
    commitments_release_group(meeting.pk)
    meeting_teams_plan(meeting)
    audit_log(
        actor=actor,
        action="group.meeting_cancelled",
        target=meeting,
        organisation_id=meeting.group.organisation_id,
        summary=f"Meeting of {meeting.starts_at:%Y-%m-%d %H:%M}Z cancelled",
        details=words_given(reason=reason),
    )
    _told(meeting, reason, tell)


def _lock_meeting(meeting, now):
    meeting = (
        GroupSession.objects.select_for_update()
        .select_related("group__organisation")
        .get(pk=meeting.pk)
    )
    if meeting.status != GroupSession.Status.SCHEDULED or meeting.starts_at <= now:
        raise GroupRefused(_("Only meetings that have not started can be changed."))
    return meeting


@transaction.atomic
def meeting_move(
    *, actor, meeting: GroupSession, starts_at, ends_at, reason: str = "", now=None
) -> GroupSession:
    """Move one meeting. Everyone's time moves with it; a clash is refused, naming it."""
    now = now or timezone.now()
    meeting = _lock_meeting(meeting, now)
    if ends_at <= starts_at:
        raise ValidationError(_("The meeting must end after it starts."))
    if starts_at <= now:
        raise ValidationError(_("Choose a time in the future."))
    _move(actor, meeting, starts_at, ends_at, reason)
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting: GroupSession, reason: str, now=None) -> GroupSession:
    """Cancel one meeting; everyone's time is freed and the invite is withdrawn."""
    now = now or timezone.now()
    meeting = _lock_meeting(meeting, now)
    _cancel(actor, meeting, reason)
    return meeting


# --- The register and the record ------------------------------------------------------


def _check_held(meeting, now):
    if meeting.status == GroupSession.Status.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."))
    if meeting.starts_at > now:
        raise ValidationError(
            _("The register and record can be filled in once the meeting starts.")
        )


def _marks(group_id: int):
    """(person, mark) of the group's meetings that were not cancelled, latest first."""
    return (
        Attendance.objects.filter(session__group_id=group_id)
        .exclude(session__status=GroupSession.Status.CANCELLED)
        .order_by("-session__starts_at")
        .values_list("user_id", "status")
    )


# The marks of some of the group's members (its page, a register saved): SQL built once
# per process for each number of members.
_marks_of = PreparedForIds(
    lambda ids, group_id: _marks(group_id).filter(user_id__in=ids), types=(int,)
)


def absence_streaks(group: Group, user_ids=None) -> dict[int, int]:
    """For each member (or each of `user_ids`), how many of the latest marked meetings
    in a row they missed without apologies. One query."""
    marks = _marks(group.pk) if user_ids is None else _marks_of(user_ids, group.pk)
    streaks: dict[int, int] = {}
    done: set[int] = set()
    for user_id, status in marks:
        if user_id in done:
            continue
        if status == Attendance.Status.ABSENT:
            streaks[user_id] = streaks.get(user_id, 0) + 1
        else:
            done.add(user_id)
    return streaks


def absence_flags(group: Group, current: list[Membership] | None = None) -> list[int]:
    """Ids of active members who have missed `absence_threshold` meetings in a row.
    `current`: the group's current memberships, where the caller has them already."""
    if current is None:
        active = _active_ids(group)
    else:
        active = [m.user_id for m in current if m.state == Membership.State.ACTIVE]
    streaks = absence_streaks(group, active)
    return [uid for uid in active if streaks.get(uid, 0) >= group.absence_threshold]


@transaction.atomic
def register_save(*, actor, meeting: GroupSession, marks: dict[int, str], now=None) -> list[int]:
    """Mark each member present, apologies or absent; flag repeated absences to facilitators.

    Returns the ids of members newly flagged by this register.
    """
    now = now or timezone.now()
    meeting = (
        GroupSession.objects.select_for_update()
        .select_related("group__organisation")
        .get(pk=meeting.pk)
    )
    group = meeting.group
    _check_held(meeting, now)
    members = set(
        group.memberships.filter(state=Membership.State.ACTIVE).values_list("user_id", flat=True)
    ) | set(meeting.register.values_list("user_id", flat=True))
    if set(marks) - members:
        raise ValidationError(_("Only the group's members can be marked."))
    if set(marks.values()) - set(Attendance.Status.values):
        raise ValidationError(_("Choose present, apologies or absent."))
    before = absence_streaks(group, marks)
    for user_id, status in marks.items():
        Attendance.objects.update_or_create(
            session=meeting, user_id=user_id, defaults={"status": status}
        )
    meeting.register_taken_at = now
    meeting.save(update_fields=["register_taken_at"])
    after = absence_streaks(group, marks)
    flagged = [
        uid for uid in marks if after.get(uid, 0) >= group.absence_threshold > before.get(uid, 0)
    ]
    audit_log(
        actor=actor,
        action="group.register_taken",
        target=meeting,
        organisation_id=group.organisation_id,
        summary=f"Register taken: {len(marks)} marked, {len(flagged)} flagged",
    )
    for user_id in flagged:
        _notify().absence_flagged(group, user_id, after[user_id])
    _notify().feedback_prompts(
        meeting, [uid for uid, status in marks.items() if status == Attendance.Status.PRESENT]
    )
    return flagged


@transaction.atomic
def record_save(
    *,
    actor,
    meeting: GroupSession,
    functions: list[str],
    themes,
    notes: str,
    systemic_issues: str,
    now=None,
) -> GroupRecord:
    """The facilitators' record of a meeting: functions and themes covered, never names."""
    now = now or timezone.now()
    meeting = GroupSession.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    _check_held(meeting, now)
    if set(functions) - set(SupervisionFunction.values):
        raise ValidationError(_("Choose functions from the list."))
    themes = list(themes)
    if any(t.organisation_id != meeting.group.organisation_id for t in themes):
        raise ValidationError(_("Choose themes from the list."))
    record, created = GroupRecord.objects.get_or_create(
        session=meeting, defaults={"written_by": actor}
    )
    record.functions = list(functions)
    record.notes = notes
    record.systemic_issues = systemic_issues
    record.written_by = actor
    record.full_clean(exclude=["session"])
    record.save()
    record.themes.set(themes)
    audit_log(
        actor=actor,
        action="group.record_written" if created else "group.record_changed",
        target=meeting,
        organisation_id=meeting.group.organisation_id,
        summary="Group record written" if created else "Group record changed",
    )
    return record


def groups_needing_meetings():
    """Ids of open groups, for the daily horizon task."""
    return list(
        Group.objects.open()
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=timezone.localdate()))
        .values_list("pk", flat=True)
    )


@transaction.atomic
def meetings_extend_for(*, group_id: int, now=None) -> int:
    """Daily: generate the group's meetings out to the horizon (task entry point)."""
    group = _lock(Group(pk=group_id))
    created = meetings_extend(group=group, now=now)
    if created:
        audit_log(
            actor=None,
            action="group.meetings_added",
            target=group,
            organisation_id=group.organisation_id,
            summary=f"{len(created)} meeting(s) of {group.name} added to the calendar",
            details={"meeting_ids": [meeting.pk for meeting in created]},
        )
    return len(created)
