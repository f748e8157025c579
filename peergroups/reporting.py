"""What the groups and peer-support app offers the engagement reports: querysets.

As in supervision.reporting: each function takes a `reports.scope.ReportScope`
and returns a queryset over this app's tables annotated with `month`,
`person` and, where useful, `category`; the reports app counts them in the
database and suppresses small numbers.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from kernel.facts import fact_rows
from kernel.models import Modality
from supervision.reporting import eligible_q

from .models import (
    Attendance,
    CheckIn,
    Group,
    GroupRecord,
    GroupSession,
    Membership,
    SupportRequest,
)
from .models.groups import GroupQuerySet

ATTENDANCE = (
    (Attendance.Status.PRESENT.value, "Present"),
    (Attendance.Status.APOLOGIES.value, "Sent apologies"),
    (Attendance.Status.ABSENT.value, "Absent"),
)


def _groups(scope) -> GroupQuerySet:
    return Group.objects.filter(organisation_id=scope.organisation_id).filter(
        scope.programme_q("programme_id")
    )


def attendance(scope) -> QuerySet:
    """Register entries of meetings in the period, with `month`, `person`, `category`."""
    return (
        Attendance.objects.filter(
            session__group__in=_groups(scope),
            session__status=GroupSession.Status.SCHEDULED,
            session__starts_at__gte=scope.start,
            session__starts_at__lt=scope.end,
            user__is_active=True,
        )
        .filter(scope.people_q("user__profile__"))
        .annotate(
            month=scope.month("session__starts_at"),
            person=F("user_id"),
            category=F("status"),
        )
    )


def covered(scope, programme_list) -> QuerySet:
    """Presence at meetings of people eligible for the group's programme."""
    eligible = Q(pk__in=[])
    for programme in programme_list:
        if programme.modality == Modality.GROUP:
            eligible |= Q(session__group__programme_id=programme.pk) & eligible_q(
                programme, "user__profile__"
            )
    return (
        attendance(scope)
        .filter(status=Attendance.Status.PRESENT)
        .filter(eligible)
        .annotate(programme_ref=F("session__group__programme_id"))
    )


def fill(scope) -> dict:
    """Members, places and people waiting in the open groups (two queries): a closed
    group is not one of the "active groups"."""
    groups = _groups(scope).open()
    places = groups.aggregate(places=Sum("capacity"), groups=Count("pk"))
    people = Membership.objects.filter(group__in=groups).filter(scope.people_q("user__profile__"))
    counts = people.aggregate(
        members=Count("user", filter=Q(state=Membership.State.ACTIVE), distinct=True),
        waiting=Count(
            "user",
            filter=Q(state__in=[Membership.State.WAITING, Membership.State.OFFERED]),
            distinct=True,
        ),
    )
    return {**places, **counts}


def systemic_issues(scope) -> QuerySet:
    """Meetings whose record raised systemic issues, by type of group.

    The issues themselves are free text for the organisation's leads to read
    in the group's record; the report only counts them. The people behind a
    count are those present at those meetings.
    """
    return (
        GroupRecord.objects.filter(
            session__group__in=_groups(scope),
            session__starts_at__gte=scope.start,
            session__starts_at__lt=scope.end,
        )
        .exclude(systemic_issues="")
        .values(group_type=F("session__group__group_type"))
        .annotate(
            count=Count("pk", distinct=True),
            people=Count(
                "session__register__user",
                filter=Q(session__register__status=Attendance.Status.PRESENT),
                distinct=True,
            ),
        )
        .order_by("-count", "group_type")
    )


def support_requests(scope) -> QuerySet:
    """Peer-support requests made in the period, with `month`, `person`, `category`.

    `category` is the kind of event; `state` is "open" or "closed";
    `first_checkin` is when a supporter first checked in, if one has.
    """
    first_checkin = (
        CheckIn.objects.filter(request=OuterRef("pk")).order_by("happened_at").values("happened_at")
    )
    return (
        SupportRequest.objects.filter(
            organisation_id=scope.organisation_id,
            created_at__gte=scope.start,
            created_at__lt=scope.end,
        )
        .filter(scope.people_q("requester__profile__"))
        .annotate(
            month=scope.month("created_at"),
            person=F("requester_id"),
            category=F("event_kind"),
            state=Case(
                When(status=SupportRequest.Status.CLOSED, then=Value("closed")),
                default=Value("open"),
                output_field=CharField(),
            ),
            first_checkin=Subquery(first_checkin[:1]),
        )
    )


# A recorded date of first contact says nothing of the time: taken as midday.
UNTIMED_CONTACT = datetime.time(12)


@dataclass(frozen=True)
class FirstContact:
    """One request's first contact, for the reports to count (never shown one by one)."""

    person: int
    hours: float  # from asking to first contact
    on_time: bool  # on or before the day first contact was due


def first_contact_moment(
    *,
    asked_at: datetime.datetime,
    recorded: datetime.date | None,
    first_checkin: datetime.datetime | None,
    zone: zoneinfo.ZoneInfo,
) -> datetime.datetime | None:
    """When first contact was made, or None if it has not been.

    The supporter's recorded date is the authority (a phone call may have no
    check-in logged); a check-in is a contact too, so one on or before that day
    gives the time. A recorded date alone counts from midday, never before the
    request was made. With no date recorded (a supporter who handed the request
    back after contact), the first check-in.
    """
    if first_checkin is not None and (
        recorded is None or first_checkin.astimezone(zone).date() <= recorded
    ):
        return first_checkin
    if recorded is None:
        return None
    return max(asked_at, datetime.datetime.combine(recorded, UNTIMED_CONTACT, tzinfo=zone))


def _contact_rows(scope) -> QuerySet:
    """(person, asked at, first contact due, recorded date, first check-in) of the requests
    made in the period that may have had first contact."""
    return (
        support_requests(scope)
        .filter(Q(first_contacted_on__isnull=False) | Q(first_checkin__isnull=False))
        .order_by()
        .values_list(
            "person", "created_at", "first_contact_due", "first_contacted_on", "first_checkin"
        )
    )


def first_contacts(scope) -> list[FirstContact]:
    """The requests made in the period that have had first contact (`first_contact_moment`),
    one by one: what `first_contact_counts` counts, worked out in Python."""
    zone = scope.zone
    contacts = []
    for person, asked_at, due, recorded, first_checkin in _contact_rows(scope):
        moment = first_contact_moment(
            asked_at=asked_at, recorded=recorded, first_checkin=first_checkin, zone=zone
        )
        if moment is None:
            continue
        contacts.append(
            FirstContact(
                person=person,
                hours=(moment - asked_at).total_seconds() / 3600,
                on_time=moment.astimezone(zone).date() <= due.astimezone(zone).date(),
            )
        )
    return contacts


@dataclass(frozen=True)
class FirstContactCounts:
    """The first contacts of a period counted: requests and the people who made them, the
    mean hours to first contact (None without any), and those on time."""

    contacted: int
    people: int
    hours: float | None
    on_time: int
    on_time_people: int


def counted_contacts(contacts: list[FirstContact]) -> FirstContactCounts:
    on_time = [contact for contact in contacts if contact.on_time]
    return FirstContactCounts(
        contacted=len(contacts),
        people=len({contact.person for contact in contacts}),
        hours=sum(c.hours for c in contacts) / len(contacts) if contacts else None,
        on_time=len(on_time),
        on_time_people=len({contact.person for contact in on_time}),
    )


# first_contact_moment in SQL, over _contact_rows (r) in the zone given three times: a
# check-in on or before the recorded day, else the recorded day's midday (never before
# the request), else nothing. Then each contact's seconds and whether it was on time.
_FIRST_CONTACT_SQL = """
WITH r (person, asked, due, recorded, checkin) AS MATERIALIZED ({rows}),
m AS (
    SELECT person, asked, due, CASE
        WHEN checkin IS NOT NULL
            AND (recorded IS NULL OR (checkin AT TIME ZONE %s)::date <= recorded) THEN checkin
        WHEN recorded IS NULL THEN NULL
        ELSE GREATEST(asked, (recorded + %s::time) AT TIME ZONE %s)
    END AS moment
    FROM r
),
c AS (
    SELECT person, EXTRACT(EPOCH FROM moment) - EXTRACT(EPOCH FROM asked) AS seconds,
        (moment AT TIME ZONE %s)::date <= (due AT TIME ZONE %s)::date AS on_time
    FROM m WHERE moment IS NOT NULL
)
SELECT COUNT(*), COUNT(DISTINCT person), SUM(seconds),
    COUNT(*) FILTER (WHERE on_time), COUNT(DISTINCT person) FILTER (WHERE on_time)
FROM c
"""


def first_contact_counts(scope) -> FirstContactCounts:
    """`counted_contacts(first_contacts(scope))`, counted by PostgreSQL in one statement
    instead of reading every request into Python (at 100,000 staff a sixth of the
    uncached report's time, bench/run.py); other databases count in Python."""
    if connection.vendor != "postgresql":
        return counted_contacts(first_contacts(scope))
    try:
        rows, params = _contact_rows(scope).query.sql_with_params()
    except EmptyResultSet:
        return counted_contacts([])
    zone = scope.time_zone
    # Django's parameterised SQL inside our own text; the zone and the time are parameters.
    statement = _FIRST_CONTACT_SQL.format(rows=rows)
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, zone, UNTIMED_CONTACT.isoformat(), zone, zone, zone])
        contacted, people, seconds, on_time, on_time_people = cursor.fetchone()
    return FirstContactCounts(
        contacted=contacted,
        people=people,
        hours=float(seconds) / 3600 / contacted if contacted else None,
        on_time=on_time,
        on_time_people=on_time_people,
    )


def present_per_person(scope):
    """Subqueries for one person (OuterRef "user_id"): meetings present at, and the last."""
    from django.db.models import IntegerField, Max
    from django.db.models.functions import Coalesce

    mine = (
        Attendance.objects.filter(
            user_id=OuterRef("user_id"),
            status=Attendance.Status.PRESENT,
            session__group__in=_groups(scope),
            session__status=GroupSession.Status.SCHEDULED,
            session__starts_at__gte=scope.start,
            session__starts_at__lt=scope.end,
        )
        .order_by()
        .values("user_id")
    )
    count = Subquery(mine.annotate(n=Count("pk")).values("n"), output_field=IntegerField())
    last = Subquery(mine.annotate(last=Max("session__starts_at")).values("last"))
    return Coalesce(count, 0), last


def attendance_facts(user_ids=None):
    """(person, organisation, programme, time zone, starts_at, status) of every register
    entry of a meeting held (the meetings `attendance()` counts), for the roll-ups;
    limited to `user_ids` when given."""
    held = Attendance.objects.filter(session__status=GroupSession.Status.SCHEDULED)
    group = "session__group"
    yield from fact_rows(
        held,
        "user_id",
        user_ids,
        f"{group}__organisation",
        f"{group}__programme",
        "session__starts_at",
        "status",
    )


def people_at(meeting_ids=(), group_ids=()) -> list[int]:
    """Everyone on the register of these meetings or of any meeting of these groups."""
    entries = Attendance.objects.filter(
        Q(session_id__in=meeting_ids) | Q(session__group_id__in=group_ids)
    )
    return list(entries.values_list("user_id", flat=True).distinct())


def watch_facts(refresh) -> None:
    """Call `refresh(people, ("group",))` in the transaction of every change to a register
    entry, a meeting or a group: the report's roll-ups (reports.rollup_signals) follow."""
    from django.db.models.signals import post_delete, post_save

    from kernel.facts import counted, deleting_the_person

    kinds = ("group",)

    def entry_changed(sender, instance, origin=None, update_fields=None, **kwargs):
        if counted({"status", "session", "user"}, update_fields) and not deleting_the_person(
            origin
        ):
            refresh([instance.user_id], kinds)

    def meeting_changed(sender, instance, created=False, update_fields=None, **kwargs):
        # A new meeting has no register yet.
        if not created and counted({"status", "starts_at", "group"}, update_fields):
            refresh(people_at(meeting_ids=[instance.pk]), kinds)

    def group_changed(sender, instance, created=False, update_fields=None, **kwargs):
        if not created and counted({"programme", "organisation"}, update_fields):
            refresh(people_at(group_ids=[instance.pk]), kinds)

    for signal in (post_save, post_delete):
        signal.connect(entry_changed, sender=Attendance, weak=False, dispatch_uid="rollups-entry")
    post_save.connect(
        meeting_changed, sender=GroupSession, weak=False, dispatch_uid="rollups-meeting"
    )
    post_save.connect(group_changed, sender=Group, weak=False, dispatch_uid="rollups-group")
