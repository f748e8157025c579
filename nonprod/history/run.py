"""A run, shared by the demo and the benchmark: each organisation's plan from what is
in the database, its history from start to end in one order, and the summary."""

import datetime
import time
import zoneinfo
from dataclasses import dataclass

from django.db import connection

from audit.services import audit_log
from feedback.models import FeedbackResponse, WellbeingCheckIn
from feedback.services.feedback import questions_for
from kernel.models import Department, Modality, PeriodKind, Programme, StaffProfile, Theme
from peergroups.models import GroupSession, SupportRequest
from reports.services import rebuild_rollups
from supervision.availability import DEFAULT_HORIZON as BOOKING_HORIZON
from supervision.models import Session

from .constants import DAY
from .feedback import add_wellbeing_and_support
from .groups import add_groups
from .people import grant_roles, insert_people, plan_people
from .plan import OrgPlan, ProgrammePlan, local_moment
from .sessions_plan import plan_sessions, share_target
from .sessions_write import write_agreements, write_sessions
from .state import History
from .supervisors import insert_supervisors, make_pairs
from .writer import foreign_keys_checked_in_bulk, timestamps_as_given


class HistoryError(Exception):
    """History cannot be generated here; the message says why."""


@dataclass
class HistorySummary:
    organisations: int = 0
    staff: int = 0
    sessions: int = 0
    group_meetings: int = 0
    feedback: int = 0
    wellbeing_checkins: int = 0
    support_requests: int = 0
    seconds: float = 0.0
    skipped: bool = False

    def line(self) -> str:
        if self.skipped:
            return "History was generated here before: nothing to do."
        return (
            f"Generated history for {self.organisations} organisations in {self.seconds:.1f} s: "
            f"{self.staff:,} staff, {self.sessions:,} one-to-one sessions, "
            f"{self.group_meetings:,} group meetings, {self.feedback:,} feedback responses, "
            f"{self.wellbeing_checkins:,} wellbeing check-ins, "
            f"{self.support_requests:,} peer-support requests."
        )


def history_start(organisation, now, months) -> datetime.datetime:
    """Midnight local on the first of the month `months` months before this one."""
    zone = zoneinfo.ZoneInfo(organisation.time_zone)
    today = now.astimezone(zone).date()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return local_moment(zone, datetime.date(year, month + 1, 1), datetime.time())


def programme_plan(programme, start, now, **extra) -> ProgrammePlan:
    """The programme, open from the history's start (or its period's) until the booking
    horizon (or its period's end)."""
    zone = zoneinfo.ZoneInfo(programme.organisation.time_zone)
    opens, closes = start, now + BOOKING_HORIZON
    if programme.period_kind == PeriodKind.FIXED:
        if programme.period_start:
            opens = max(opens, local_moment(zone, programme.period_start, datetime.time()))
        ends = local_moment(zone, programme.period_end + DAY, datetime.time())
        closes = min(closes, ends)
    questions = [(q.pk, q.kind) for q in questions_for(programme)]
    departments = set(programme.eligible_departments.values_list("pk", flat=True))
    return ProgrammePlan(programme, questions, opens, closes, departments, **extra)


def org_plan(organisation, staff, now, months, **extra) -> OrgPlan:
    """The organisation with its departments, themes and active programmes."""
    start = history_start(organisation, now, months)
    programmes = list(
        Programme.objects.filter(organisation=organisation, is_active=True)
        .select_related("organisation")
        .order_by("pk")
    )
    one_to_one = [
        programme_plan(p, start, now)
        for p in programmes
        if p.modality == Modality.ONE_TO_ONE and not (p.period_end and p.period_end < now.date())
    ]
    group = next((p for p in programmes if p.modality == Modality.GROUP), None)
    return OrgPlan(
        organisation=organisation,
        departments=list(Department.objects.filter(organisation=organisation).order_by("pk")),
        themes=list(
            Theme.objects.filter(organisation=organisation, is_active=True)
            .order_by("pk")
            .values_list("pk", "name")
        ),
        programmes=[p for p in one_to_one if p.closes > p.opens],
        group_programme=programme_plan(group, start, now) if group else None,
        staff=staff,
        start=start,
        **extra,
    )


def _organisation(h: History, org: OrgPlan) -> None:
    """The organisation's history, start to end: people, groups, supervisors and
    sessions, wellbeing and peer support."""
    org.zone = zoneinfo.ZoneInfo(org.organisation.time_zone)
    plan_people(h, org)
    insert_people(h, org)
    grant_roles(h, org)
    meetings = h.writer.counts[GroupSession]
    add_groups(h, org)
    meetings = h.writer.counts[GroupSession] - meetings
    pairs = make_pairs(h, org)
    insert_supervisors(h, org)
    if org.sessions_target is not None:
        share_target(org, pairs, max(0, org.sessions_target - meetings))
    planned = []
    for programme in org.programmes:
        mine = [p for p in pairs if p.programme is programme]
        planned += plan_sessions(h, org, mine, programme.target)
    write_agreements(h, org, pairs)
    write_sessions(h, org, planned)
    add_wellbeing_and_support(h, org)
    Programme.objects.filter(
        pk__in=[p.programme.pk for p in org.programmes], created_at__gt=org.start
    ).update(created_at=org.start - 30 * DAY)


def run(history: History, orgs, started) -> HistorySummary:
    """Every organisation's history, an audit entry for each, and what was made."""
    if connection.vendor == "postgresql":
        # One big transaction of made-up rows: not waiting for its WAL to reach the
        # disk saves seconds at commit, and a crash could lose only this run.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
    with timestamps_as_given(), foreign_keys_checked_in_bulk(history.writer):
        for org in orgs:
            _organisation(history, org)
        # Written in bulk, past the signals that keep the report's roll-ups: work them
        # out again, written as the history is.
        rebuild_rollups(
            write=lambda model, columns, rows: history.writer.rows(model, rows, columns=columns)
        )
    counts = history.writer.counts
    summary = HistorySummary(
        organisations=len(orgs),
        staff=counts[StaffProfile],
        sessions=counts[Session],
        group_meetings=counts[GroupSession],
        feedback=counts[FeedbackResponse],
        wellbeing_checkins=counts[WellbeingCheckIn],
        support_requests=counts[SupportRequest],
    )
    for org in orgs:
        audit_log(
            actor=None,
            action="history.generated",
            target=org.organisation,
            organisation_id=org.organisation.pk,
            summary=f"Generated history: {len(org.people)} staff over {history.months} months",
            details={"staff": len(org.people), "months": history.months},
        )
    summary.seconds = time.monotonic() - started
    return summary
