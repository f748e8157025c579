"""Who may use a programme and how much of its allowance they have left.

Plain functions over the models; the booking service calls them inside its
transaction, the pages call them to show "2 of 2 sessions left until 31 March".
"""

import calendar
import datetime
import zoneinfo
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from kernel.eligibility import (
    BAND,
    DEPARTMENT,
    GRADE,
    ORGANISATION,
    PROFESSION,
    Eligibility,
    grade_words,
    refusal,
    unmet,
)
from kernel.models import Modality, PeriodKind, Programme, StaffProfile
from kernel.prepared import PreparedQuery, Shapes

from .models import AllowanceExtra, Session

REFUSALS = {
    ORGANISATION: _lazy("This programme is for staff of another organisation."),
    BAND: _lazy("This programme is not open to your band."),
    PROFESSION: _lazy("This programme is not open to your profession."),
    DEPARTMENT: _lazy("This programme is not open to your department."),
    GRADE: _lazy("This programme is only for doctors in %(grades)s."),
}


def period_ended(programme: Programme, today: datetime.date | None = None) -> bool:
    """Whether the programme's fixed allowance period is over (a rolling one never is).

    `today` is the organisation's date (`supervision.services.programmes.organisation_today`);
    without it, the organisation is looked up only when the end is within a day of
    today in UTC, where the time zone decides.
    """
    if programme.period_kind != PeriodKind.FIXED or programme.period_end is None:
        return False
    if today is None:
        utc_today = timezone.now().date()
        if programme.period_end > utc_today + datetime.timedelta(days=1):
            return False
        if programme.period_end < utc_today - datetime.timedelta(days=1):
            return True
        today = timezone.localtime(timezone.now(), _zone(programme)).date()
    return programme.period_end < today


def _day_words(day: datetime.date | None) -> str:
    """A period's last day as messages say it (an ended period always has one)."""
    return f"{day:%-d %B %Y}" if day else ""


def offer_refusal(programmes, first_day: datetime.date, today: datetime.date) -> str | None:
    """Why a supervisor may not offer time from `first_day` (the organisation's date) on
    these programmes: each has a fixed allowance period ended by then (`period_ended`),
    so nobody could book it. None if any of them runs on, or there are none.

    `today` is the organisation's date, which decides "ended" or "ends" in the message.
    """
    programmes = list(programmes)
    if not programmes or not all(period_ended(p, first_day) for p in programmes):
        return None
    names = ", ".join(p.name for p in programmes)
    end = max(p.period_end for p in programmes if p.period_end is not None)
    if end < today:
        return ngettext(
            "The allowance period of %(names)s ended on %(end)s, so nobody can book time "
            "on it. Offer time once the programme admin has started its next period",
            "The allowance periods of your programmes (%(names)s) ended by %(end)s, so "
            "nobody can book time on them. Offer time once the programme admin has started "
            "a next period",
            len(programmes),
        ) % {"names": names, "end": _day_words(end)}
    return ngettext(
        "The allowance period of %(names)s ends on %(end)s, before this time, so nobody "
        "could book it. Choose a day up to %(end)s",
        "The allowance periods of your programmes (%(names)s) end by %(end)s, before this "
        "time, so nobody could book it. Choose a day up to %(end)s",
        len(programmes),
    ) % {"names": names, "end": _day_words(end)}


def choice_refusal(programme: Programme) -> str | None:
    """Why a supervisor may not choose to supervise in `programme` now: its fixed
    allowance period has ended (`period_ended`). None if they may."""
    if not period_ended(programme):
        return None
    return _(
        "The allowance period of %(name)s ended on %(end)s, so nobody can book it: "
        "choose it again once the programme admin has started its next period"
    ) % {"name": programme.name, "end": _day_words(programme.period_end)}


def may_use(programme: Programme, profile: StaffProfile | None) -> bool:
    return (
        programme.is_active
        and not period_ended(programme)
        and unmet(programme, profile, [programme.organisation_id]) is None
    )


def eligibility(programme: Programme, profile: StaffProfile | None) -> Eligibility:
    """Whether a person may use a programme, and if not, why and where to go instead.

    The rule itself is `kernel.eligibility.unmet`, which groups use too; what
    someone excluded is told, and where they may go instead, is
    `kernel.eligibility.refusal`: the excluding condition's own message, else the
    programme's, else the plain reason, each with its alternative only for people
    who may use it. Programmes fetched with kernel.permissions.refusals_fetched ask
    no more queries for it.
    """
    missing = unmet(programme, profile, [programme.organisation_id])
    if missing == ORGANISATION:
        return Eligibility(False, str(REFUSALS[ORGANISATION]))
    if not programme.is_active:
        return Eligibility(False, _("This programme is not open for booking."))
    if period_ended(programme):
        return Eligibility(
            False,
            _("This programme's allowance period ended on %(end)s.")
            % {"end": _day_words(programme.period_end)},
        )
    if missing is None:
        return Eligibility(True)
    return refusal(
        programme,
        missing,
        standard=str(REFUSALS[missing]) % {"grades": grade_words(programme)},
        may_use=lambda alternative: may_use(alternative, profile),
    )


@dataclass(frozen=True)
class Period:
    start: datetime.datetime | None  # None: from the beginning
    end: datetime.datetime | None  # None: open-ended (rolling)
    end_date: datetime.date | None  # the last day, for messages


def _zone(programme: Programme) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(programme.organisation.time_zone)


def _local_midnight(day: datetime.date, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def add_months(moment, months: int):
    """The same day and time `months` later (or earlier), clamped to the month's end:
    `moment + relativedelta(months=months)`, in arithmetic (a report page asks three
    dozen times, and relativedelta's own checks were a twentieth of its CPU;
    tests/supervision/test_allowances_months.py holds the two equal)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def period_containing(programme: Programme, moment: datetime.datetime) -> Period:
    """The allowance period a session starting at `moment` falls in."""
    zone = _zone(programme)
    if programme.period_kind == PeriodKind.FIXED:
        if programme.period_end is None:
            # The database refuses it (programme_fixed_period_has_end).
            raise ValueError("A fixed period must have an end date.")
        start = _local_midnight(programme.period_start, zone) if programme.period_start else None
        end = _local_midnight(programme.period_end + datetime.timedelta(days=1), zone)
        return Period(start, end, programme.period_end)
    return Period(add_months(moment, -programme.rolling_months), None, None)


COUNTED = Q(status__in=[Session.Status.BOOKED, Session.Status.ATTENDED])

# Other apps' sessions that use up a programme's allowance (group meetings):
# functions (programme, user, period) -> int, registered when those apps start.
_OTHER_USAGE = []


def register_usage(counter) -> None:
    if counter not in _OTHER_USAGE:
        _OTHER_USAGE.append(counter)


def counted_sessions(programme: Programme):
    """The filter for sessions that use up allowance under this programme's rules."""
    return _counted_q(programme.did_not_attend_counts, programme.late_cancellation_counts)


def _counted_q(did_not_attend_counts: bool, late_cancellation_counts: bool) -> Q:
    counted = COUNTED
    if did_not_attend_counts:
        counted |= Q(status=Session.Status.DID_NOT_ATTEND)
    if late_cancellation_counts:
        counted |= Q(
            status=Session.Status.CANCELLED,
            cancelled_by=Session.CancelledBy.SUPERVISEE,
            late_cancellation=True,
        )
    return counted


def _sessions_counted(
    counted: Q, programme_id, user_id, period: "Period", exclude_id=None
) -> "QuerySet[Session]":
    """The sessions of `user_id` in the programme that use up its allowance in `period`
    (`counted`: counted_sessions of the programme)."""
    sessions = Session.objects.filter(programme_id=programme_id, supervisee_id=user_id).filter(
        counted
    )
    if exclude_id is not None:
        sessions = sessions.exclude(pk=exclude_id)
    if period.start is not None:
        sessions = sessions.filter(starts_at__gte=period.start)
    if period.end is not None:
        sessions = sessions.filter(starts_at__lt=period.end)
    return sessions


def _count_of_shape(shape: tuple[bool, bool, bool, bool, bool]) -> PreparedQuery:
    """`_sessions_counted` counted, for one shape of the programme's rules and period
    (did-not-attend counts, late cancellations count, a start, an end, a session left
    out): its SQL built once per process. Arguments: the programme's id, the user's,
    then the start, the end and the session left out, those the shape has."""
    did_not_attend, late, has_start, has_end, excluding = shape
    types: tuple[type, ...] = (int, int)
    types += (datetime.datetime,) * has_start + (datetime.datetime,) * has_end
    types += (int,) * excluding

    def build(programme_id, user_id, *rest):
        given = iter(rest)
        period = Period(next(given) if has_start else None, next(given) if has_end else None, None)
        excluded = next(given) if excluding else None
        counted = _counted_q(did_not_attend, late)
        return _sessions_counted(counted, programme_id, user_id, period, excluded).values_list("pk")

    query = PreparedQuery(build, types=types)
    query.counting = True
    return query


_counts = Shapes(_count_of_shape)


def _extras_on(programme_id, user_id, day: datetime.date) -> "QuerySet[AllowanceExtra]":
    """The extra sessions granted to a person in a programme, valid on `day` and not revoked."""
    return AllowanceExtra.objects.filter(
        programme_id=programme_id,
        user_id=user_id,
        valid_from__lte=day,
        valid_until__gte=day,
        revoked_at__isnull=True,
    )


# `_extras_on`'s (sessions,) rows, their SQL built once per process.
_extras_valid = PreparedQuery(
    lambda programme_id, user_id, day: (
        _extras_on(programme_id, user_id, day).order_by().values_list("sessions")
    ),
    types=(int, int, datetime.date),
)


def _count_counted(programme: Programme, user_id, period: "Period", exclude_id=None) -> int:
    """How many sessions `_sessions_counted` finds, through a query built once per shape."""
    shape = (
        programme.did_not_attend_counts,
        programme.late_cancellation_counts,
        period.start is not None,
        period.end is not None,
        exclude_id is not None,
    )
    arguments = [programme.pk, user_id]
    arguments += [moment for moment in (period.start, period.end) if moment is not None]
    if exclude_id is not None:
        arguments.append(exclude_id)
    return _counts[shape](*arguments)[0][0]


@dataclass(frozen=True)
class Allowance:
    limited: bool
    total: int
    used: int
    period: Period
    renews_on: datetime.date | None
    rolling_months: int = 12
    renews_at: datetime.datetime | None = None  # the moment renews_on names

    @property
    def left(self) -> int:
        return max(self.total - self.used, 0)

    @property
    def exhausted(self) -> bool:
        return self.limited and self.left == 0


def allowance(
    programme: Programme, user, at: datetime.datetime | None = None, exclude_session=None
) -> Allowance:
    """How much of the programme's allowance `user` has in the period containing `at`."""
    at = at or timezone.now()
    period = period_containing(programme, at)
    exclude_id = exclude_session.pk if exclude_session is not None else None
    counted = _count_counted(programme, user.pk, period, exclude_id)
    if programme.allowance_sessions is None:
        return Allowance(False, 0, counted, period, None, programme.rolling_months)

    day = timezone.localtime(at, _zone(programme)).date()
    extra = sum(sessions for (sessions,) in _extras_valid(programme.pk, user.pk, day))
    used = counted + sum(count(programme, user, period) for count in _OTHER_USAGE)
    total = programme.allowance_sessions + extra
    renews_at = _renews_at(programme, period, user.pk, exclude_id, used, total)
    renews_on = timezone.localtime(renews_at, _zone(programme)).date() if renews_at else None
    return Allowance(
        True, total, used, period, renews_on, programme.rolling_months, renews_at=renews_at
    )


def left_annotation(programme: Programme, at: datetime.datetime | None = None):
    """An annotation for StaffProfile (OuterRef "user_id"): allowance left now, as
    `allowance` counts it (sessions counted in the period, extra sessions granted),
    for a one-to-one programme with a limited allowance; None for any other."""
    if programme.allowance_sessions is None or programme.modality != Modality.ONE_TO_ONE:
        return None
    at = at or timezone.now()
    period = period_containing(programme, at)
    person = OuterRef("user_id")
    used = _sessions_counted(counted_sessions(programme), programme.pk, person, period)
    day = timezone.localtime(at, _zone(programme)).date()
    extra = _extras_on(programme.pk, person, day)
    used_n = used.order_by().values("supervisee_id").annotate(n=Count("pk")).values("n")[:1]
    extra_n = extra.order_by().values("user_id").annotate(n=Sum("sessions")).values("n")[:1]
    left = (
        Value(programme.allowance_sessions)
        + Coalesce(Subquery(extra_n, output_field=IntegerField()), 0)
        - Coalesce(Subquery(used_n, output_field=IntegerField()), 0)
    )
    return Greatest(left, Value(0))


def _renews_at(programme, period, user_id, exclude_id, used, total) -> datetime.datetime | None:
    if programme.period_kind == PeriodKind.FIXED:
        return period.end
    if used < total:
        return None
    # Rolling: the oldest counted session drops out of the window first.
    sessions = _sessions_counted(
        counted_sessions(programme), programme.pk, user_id, period, exclude_id
    )
    oldest = sessions.order_by("starts_at").values_list("starts_at", flat=True).first()
    if oldest is None:
        return None
    return add_months(oldest, programme.rolling_months)


def may_start_then(current: Allowance, starts_at: datetime.datetime) -> bool:
    """Whether a session starting at `starts_at` fits the allowance as it stands now.

    Inside the period, and not used up; or, on a rolling window that is used up,
    after its oldest session has dropped out. No query: the booking page offers
    only such times, so that it never offers one the booking then refuses for
    the allowance (the booking service checks again at the time itself).
    """
    period = current.period
    if period.start is not None and starts_at < period.start:
        return False
    if period.end is not None and starts_at >= period.end:
        return False
    if not current.exhausted:
        return True
    return current.renews_at is not None and starts_at > current.renews_at


def refusal_message(programme: Programme, allowance_now: Allowance) -> str:
    """What a refused booking says: what is left and when it renews."""
    if allowance_now.period.end_date and programme.period_kind == PeriodKind.FIXED:
        return _(
            "You have used all %(total)s of your sessions in %(programme)s until "
            "%(end)s. Your allowance renews on %(renews)s; your programme admin can "
            "grant an extra session if you need one sooner."
        ) % {
            "total": allowance_now.total,
            "programme": programme.name,
            "end": f"{allowance_now.period.end_date:%-d %B %Y}",
            "renews": f"{allowance_now.renews_on:%-d %B %Y}",
        }
    renews = (
        _(" Your next session becomes available on %(date)s.")
        % {"date": f"{allowance_now.renews_on:%-d %B %Y}"}
        if allowance_now.renews_on
        else ""
    )
    return (
        _(
            "You have used all %(total)s of your sessions in %(programme)s in the last "
            "%(months)s months."
        )
        % {
            "total": allowance_now.total,
            "programme": programme.name,
            "months": programme.rolling_months,
        }
        + renews
    )
