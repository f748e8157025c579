"""Who may see and change groups, their members, meetings, registers and records.

A group is in scope for the staff of its host organisation, for everyone when
it is open to other organisations, and for its facilitators and members.
A meeting (and its record) is in scope only for the group's facilitators, its
active members and the host organisation's programme admins; anyone else gets
404. In scope but not allowed (a member opening the register) gets 403.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, ExpressionWrapper, Min, OuterRef, Q
from django.db.models.functions import Coalesce
from django.http import Http404

from kernel.models import Organisation, Role, StaffProfile
from kernel.permissions import get_own_profile, has_role, organisations_where
from kernel.prepared import PreparedQuery, Shapes

from ..models import Attendance, Group, GroupRecord, GroupSession, Membership

__all__ = [
    "UPCOMING_SHOWN",
    "can_edit_group",
    "can_manage_group",
    "current_memberships",
    "facilitator_choices",
    "get_group_for_user",
    "get_meeting_attended_by",
    "get_meeting_for_user",
    "get_membership_for_user",
    "group_facilitators",
    "group_meetings_to_complete",
    "group_record_for_user",
    "groups_facilitated_by",
    "groups_visible_to",
    "is_facilitator",
    "is_host_admin",
    "may_read_record",
    "meetings_coming_up",
    "meetings_ended",
    "meetings_facilitated_by",
    "meetings_of",
    "meetings_to_complete",
    "meetings_visible_to",
    "memberships_of",
    "other_organisations_for",
    "person_to_add",
    "programme_members_joined",
    "register_people",
]


def groups_visible_to(user):
    """Groups the user may browse: their organisation's, open ones, and their own.

    Someone on no organisation's staff (an external facilitator) sees only their own:
    open groups are open to other organisations' staff, not to anyone with a sign-in.
    """
    if not user.is_authenticated:
        return Group.objects.none()
    return _groups_visible(*_scope_of(user))


def _scope_of(user) -> tuple:
    """(user id, their staff organisation's id or None, the organisations they run
    programmes in): all that decides which groups they see."""
    profile = get_own_profile(user)
    staff_of = profile.organisation_id if profile is not None else None
    return user.pk, staff_of, sorted(organisations_where(user, Role.PROGRAMME_ADMIN))


def _groups_visible(user_id: int, staff_of: int | None, admin_of):
    """groups_visible_to's rule, from _scope_of's ids."""
    scope = (
        Q(organisation_id__in=admin_of)
        | Q(facilitators=user_id)
        | Q(memberships__user=user_id, memberships__state__in=Membership.CURRENT)
    )
    if staff_of is not None:
        scope |= Q(organisation_id=staff_of, is_active=True)
        scope |= Q(open_to_other_organisations=True, is_active=True)
    return Group.objects.filter(pk__in=Group.objects.filter(scope).values("pk"))


def _group_in_scope_query(shape: tuple[bool, int]) -> PreparedQuery:
    staff, admin_count = shape

    def build(pk, user_id, *organisation_ids):
        staff_of = organisation_ids[0] if staff else None
        admin_of = list(organisation_ids[1:] if staff else organisation_ids)
        return (
            _groups_visible(user_id, staff_of, admin_of)
            .select_related("organisation", "programme")
            .filter(pk=pk)
        )

    return PreparedQuery(build, types=(int,) * (2 + staff + admin_count))


# A group by id in someone's scope, with its organisation and programme: one query,
# compiled once for each shape of scope (on an organisation's staff or not, and how
# many organisations one runs programmes in).
_group_in_scope = Shapes(_group_in_scope_query)


_FACILITATORS_ATTR = "_facilitator_ids"


def is_facilitator(user, group: Group) -> bool:
    """One query per group per request; kept on the group object."""
    cached = getattr(group, _FACILITATORS_ATTR, None)
    if cached is None:
        cached = set(group.facilitators.values_list("pk", flat=True))
        setattr(group, _FACILITATORS_ATTR, cached)
    return user.pk in cached


_facilitators_of = PreparedQuery(
    lambda group_id: (
        get_user_model()
        .objects.filter(facilitated_groups=group_id)
        .order_by("first_name", "last_name", "pk")
    )
)


def group_facilitators(group: Group) -> list:
    """The group's facilitators by name, in the same one query that `is_facilitator`
    then answers from (a page that shows them need not ask twice)."""
    people = _facilitators_of(group.pk)
    setattr(group, _FACILITATORS_ATTR, {person.pk for person in people})
    return people


_current_memberships = PreparedQuery(
    lambda group_id: (
        Membership.objects.filter(group_id=group_id)
        .current()
        .select_related("user")
        .order_by("waiting_since", "requested_at", "pk")
    )
)


def current_memberships(group: Group) -> list[Membership]:
    """The group's members, people offered a place, asking to join or waiting, with
    their people: the waiting list in order (for those who run the group)."""
    return _current_memberships(group.pk)


# The most meetings to come a group's page lists.
UPCOMING_SHOWN = 12

_meetings_coming_up = PreparedQuery(
    lambda group_id, now: (
        GroupSession.objects.filter(group_id=group_id, ends_at__gt=now)
        .select_related("record")
        .order_by("starts_at")[:UPCOMING_SHOWN]
    ),
    types=(int, datetime.datetime),
)


def meetings_coming_up(group: Group, now) -> list[GroupSession]:
    """The group's first UPCOMING_SHOWN meetings that have not ended, cancelled ones
    too, with their records: for those who may see its meetings (the caller checks)."""
    return _meetings_coming_up(group.pk, now)


# The most meetings that have ended a group's page lists.
PAST_SHOWN = 12


def _meetings_ended_of(since: bool) -> PreparedQuery:
    """The group's latest meetings that have ended (`since` a time), each with whether it
    has its record (`recorded`), without reading what the record says."""

    def build(group_id, now, *after):
        ended = GroupSession.objects.filter(group_id=group_id, ends_at__lte=now)
        if after:
            ended = ended.filter(starts_at__gte=after[0])
        recorded = ExpressionWrapper(Q(record__isnull=False), output_field=BooleanField())
        return ended.annotate(recorded=recorded).order_by("-starts_at")[:PAST_SHOWN]

    times = (datetime.datetime,) * (2 if since else 1)
    return PreparedQuery(build, types=(int, *times))


# Its SQL built once per process for each shape: every meeting, or those since a time.
_meetings_ended = Shapes(_meetings_ended_of)


def meetings_ended(group: Group, now, since=None) -> list[GroupSession]:
    """The group's last PAST_SHOWN meetings that have ended by `now` (and began at or
    after `since`, if given), latest first, each with `recorded`: for those who may see
    its meetings (the caller checks)."""
    if since is None:
        return _meetings_ended[False](group.pk, now)
    return _meetings_ended[True](group.pk, now, since)


def is_host_admin(user, group: Group) -> bool:
    return has_role(user, Role.PROGRAMME_ADMIN, group.organisation_id)


def can_manage_group(user, group: Group) -> bool:
    """Facilitators and the host organisation's programme admins run the membership."""
    return is_facilitator(user, group) or is_host_admin(user, group)


def can_edit_group(user, group: Group) -> bool:
    """Only the host organisation's programme admins change a group's settings."""
    return is_host_admin(user, group)


def get_group_for_user(user, pk: int, *, manage: bool = False, edit: bool = False) -> Group:
    """A group in the user's scope (404 otherwise); 403 when they may not manage or edit it."""
    if not user.is_authenticated:
        raise Http404
    user_id, staff_of, admin_of = _scope_of(user)
    staff = [staff_of] if staff_of is not None else []
    found = _group_in_scope[bool(staff), len(admin_of)](pk, user_id, *staff, *admin_of)
    if not found:
        raise Http404
    group = found[0]
    if edit and not can_edit_group(user, group):
        raise PermissionDenied
    if manage and not can_manage_group(user, group):
        raise PermissionDenied
    return group


def get_membership_for_user(user, group: Group, pk: int) -> Membership:
    """A membership of `group` for someone who manages it (checked by the caller)."""
    try:
        return Membership.objects.select_related("user").get(pk=pk, group=group)
    except Membership.DoesNotExist:
        raise Http404 from None


def meetings_visible_to(user):
    """Meetings of groups the user facilitates, is an active member of, or administers."""
    if not user.is_authenticated:
        return GroupSession.objects.none()
    return GroupSession.objects.filter(
        group__in=Group.objects.filter(
            Q(facilitators=user)
            | Q(memberships__user=user, memberships__state=Membership.State.ACTIVE)
            | Q(organisation_id__in=organisations_where(user, Role.PROGRAMME_ADMIN))
        ).values("pk")
    )


def get_meeting_for_user(user, pk: int, *, facilitate: bool = False) -> GroupSession:
    """A meeting in the user's scope (404 otherwise); 403 for `facilitate` unless a facilitator."""
    try:
        meeting = (
            meetings_visible_to(user)
            .select_related("group__organisation", "group__programme")
            .get(pk=pk)
        )
    except GroupSession.DoesNotExist:
        raise Http404 from None
    if facilitate and not is_facilitator(user, meeting.group):
        raise PermissionDenied
    return meeting


def may_read_record(user, group: Group, meeting: GroupSession | None = None) -> bool:
    """A group record: its facilitators and active members, nobody else (not admins).

    A member reads the records of the meetings since they joined, not of those
    before: what was said there was said without them.
    """
    if is_facilitator(user, group):
        return True
    membership = (
        Membership.objects.filter(group=group, user=user, state=Membership.State.ACTIVE)
        .only("joined_at")
        .first()
    )
    if membership is None:
        return False
    joined = membership.joined_at
    return meeting is None or joined is None or meeting.starts_at >= joined


def get_meeting_attended_by(user, pk: int) -> GroupSession:
    """A meeting the user was marked present at; 403 for its facilitators, else 404.

    Presence, not current membership, makes a participant: someone who has since
    left the group may still say how the meeting went.
    """
    meeting = (
        GroupSession.objects.select_related("group__programme", "group__organisation")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404
    present = Attendance.objects.filter(
        session=meeting, user=user, status=Attendance.Status.PRESENT
    ).exists()
    if present:
        return meeting
    if meeting.group.facilitators.filter(pk=user.pk).exists():
        raise PermissionDenied
    raise Http404


def group_record_for_user(user, meeting: GroupSession) -> GroupRecord | None:
    """A meeting's record (themes prefetched), for the group's facilitators and active
    members; None for anyone else, and while none is written."""
    if not may_read_record(user, meeting.group, meeting):
        return None
    return GroupRecord.objects.filter(session=meeting).prefetch_related("themes").first()


def groups_facilitated_by(user):
    """The groups the user facilitates now, by name."""
    return Group.objects.filter(facilitators=user).order_by("name", "pk")


def meetings_facilitated_by(user):
    """Meetings of the groups the user facilitates."""
    return GroupSession.objects.filter(group__facilitators=user)


def meetings_to_complete(user, now):
    """Meetings the user facilitates that have ended without their register or record,
    each annotated `needs_register` and `needs_record`, oldest first.

    The one rule for "needs a register or a record": the home prompt, the list it
    opens and the group page all use it. A register counts as taken once saved,
    even with nobody on it; a cancelled meeting needs neither.
    """
    marked = Exists(Attendance.objects.filter(session=OuterRef("pk")))
    recorded = Exists(GroupRecord.objects.filter(session=OuterRef("pk")))
    return (
        meetings_facilitated_by(user)
        .filter(status=GroupSession.Status.SCHEDULED, ends_at__lte=now)
        .alias(marked=marked, recorded=recorded)
        .annotate(
            needs_register=ExpressionWrapper(
                Q(register_taken_at__isnull=True, marked=False), output_field=BooleanField()
            ),
            needs_record=ExpressionWrapper(Q(recorded=False), output_field=BooleanField()),
        )
        .filter(Q(needs_register=True) | Q(needs_record=True))
        .order_by("starts_at")
    )


_meetings_to_complete_in = PreparedQuery(
    lambda user_id, now, group_id: meetings_to_complete(user_id, now).filter(group_id=group_id),
    types=(int, datetime.datetime, int),
)


def group_meetings_to_complete(user, group: Group, now) -> list[GroupSession]:
    """meetings_to_complete, of one group (its page): a query compiled once."""
    return _meetings_to_complete_in(user.pk, now, group.pk)


def meetings_of(user, *, facilitated: bool = True):
    """Meetings of the groups the user is an active member of (and, with `facilitated`,
    facilitates): what their home page and list of sessions show."""
    # The groups, each way in read by its own index, in one list (UNION): a subquery
    # joining both (memberships OR facilitators) read every membership of every
    # group, and two subqueries ORed read every meeting of every group.
    groups = (
        Membership.objects.filter(user=user, state=Membership.State.ACTIVE)
        .order_by()  # not by the group's name: a join for nothing
        .values("group_id")
    )
    if facilitated:
        groups = groups.union(
            Group.facilitators.through.objects.filter(user=user).values("group_id")
        )
    return GroupSession.objects.filter(group__in=groups)


def register_people(meeting: GroupSession):
    """Who is on a meeting's register (from get_meeting_for_user, facilitate=True): the
    group's active members and anyone marked already (a member who has since left)."""
    return (
        get_user_model()
        .objects.filter(
            Q(group_memberships__group=meeting.group, group_memberships__state="active")
            | Q(pk__in=meeting.register.values("user_id"))
        )
        .distinct()
        .order_by("first_name", "last_name")
    )


def facilitator_choices(user, organisation):
    """People holding the facilitator role in `organisation`, if the user administers it."""
    User = get_user_model()
    if not has_role(user, Role.PROGRAMME_ADMIN, organisation.pk):
        return User.objects.none()
    return (
        User.objects.filter(
            role_grants__organisation=organisation, role_grants__role=Role.FACILITATOR
        )
        .distinct()
        .order_by("first_name", "last_name")
    )


def memberships_of(user):
    """The user's own current memberships (offered, waiting or active)."""
    return Membership.objects.current().filter(user=user)


def other_organisations_for(user, organisation):
    """The other organisations a group hosted by `organisation` may be limited to: those the
    user administers too (no organisation learns another's name from a form)."""
    if not has_role(user, Role.PROGRAMME_ADMIN, organisation.pk):
        return Organisation.objects.none()
    return (
        Organisation.objects.filter(pk__in=organisations_where(user, Role.PROGRAMME_ADMIN))
        .exclude(pk=organisation.pk)
        .order_by("name")
    )


def person_to_add(group: Group, email: str, organisation_ids):
    """The active member of staff with this email at one of `organisation_ids` (None: any),
    for someone who manages `group` (checked by the caller); None if there is none."""
    profiles = StaffProfile.objects.active().filter(user__email__iexact=email.strip())
    if organisation_ids is not None:
        profiles = profiles.filter(organisation_id__in=organisation_ids)
    profile = profiles.select_related("user").first()
    return profile.user if profile is not None else None


def programme_members_joined(programme_ids, user_ids=None) -> dict:
    """{(programme id, member id): when they joined} for the active members of the groups of
    these programmes (the first group of each they joined). For a programme's own follow-up
    (its wellbeing measure): callers show nobody who is in it."""
    memberships = Membership.objects.filter(
        group__programme_id__in=list(programme_ids), state=Membership.State.ACTIVE
    )
    if user_ids is not None:
        memberships = memberships.filter(user_id__in=list(user_ids))
    rows = memberships.values("group__programme_id", "user_id").annotate(
        joined=Min(Coalesce("joined_at", "requested_at"))
    )
    return {(row["group__programme_id"], row["user_id"]): row["joined"] for row in rows.order_by()}
