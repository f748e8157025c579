"""Disclosure control: the one place where a figure about people becomes safe to show.

Every aggregate shown to someone who did not take part (wellbeing leads,
programme admins, supervisors and facilitators, the monthly email) is made
here. Nothing else decides a threshold or rounds a count.

The method is the rounding and suppression standard of the Higher Education
Statistics Agency (HESA), an official statistics producer, with this product's
threshold of 5 people:

1. **Every count is rounded to the nearest 5, small ones included**: 0, 1 and
   2 show as 0; 3 to 7 as 5; 8 to 12 as 10 (halves up). A total is the true
   total rounded, not the sum of rounded parts. So every count a reader can
   see is a multiple of 5, and any sum or difference of shown counts (one
   department subtracted from the trust, January to May subtracted from
   January to June, one download set against another) is a multiple of 5 too:
   it can never be an exact count of 1 to 4. A 0 may be 1 or 2, and a 5 may be
   3 or 4, so neither a zero nor a small count is ever stated.
2. **Averages and percentages need at least 5 people** behind them; otherwise
   they are hidden and say "fewer than 5".
3. **Percentages are worked out from the rounded counts** shown beside them, so
   a rate gives away no more than the counts do.
4. The rounding is a fixed function of the true count: the same figure gets
   the same value whichever filter, period or page produced it, so asking
   again or another way never averages the rounding away.

Nothing is hidden to protect another figure (secondary suppression): rounding
every count makes that unnecessary, and hidden figures always mean "fewer than
5 people". Why this and not the alternatives (see README, "Engagement
reports"): suppression of small cells with secondary suppression, which this
product used before, protects one table at a time and fell to differencing
across filters and periods; hiding small counts but showing zeros exactly
(NHS England's method for Hospital Episode Statistics) states true zeros; the
ONS cell-key method (Census 2021) perturbs with noise that can equal the true
value and needs a random key stored on every record of every app.

Feedback on one person's own sessions is a different case: the reader (the
supervisor or facilitator) knows who took part. There the rule is batch
release (`feedback_release`): ratings appear a calendar month at a time, only
once at least `feedback_minimum()` distinct people stand behind the batch, and
never change between releases. A programme's wellbeing measure is released the
same way, with MINIMUM_PEOPLE: the mean change since joining moves only by a
month's batch of at least 5 people (feedback.aggregates_measures), as a
lead who knows who just joined must not read one person's change off two visits.

Themes a group agrees for its organisation (seed 004) are a third case: the
text is written by the facilitators to identify nobody, so the statements are
shown; what may identify people is saying which group a statement came from.
`group_named` is that rule, decided for each statement on its own (see there).
"""

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils.translation import gettext, gettext_lazy

MINIMUM_PEOPLE = 5
ROUNDING_BASE = 5
FEEDBACK_MINIMUM = 3  # distinct respondents behind any released feedback batch

SMALL = "small"  # Cell.reason: fewer than MINIMUM_PEOPLE people behind it

ROUNDING_NOTE = gettext_lazy(
    "Counts are rounded to the nearest 5 (0 can mean 1 or 2; 5 can mean 3 to 7), and totals "
    "are rounded on their own, so parts may not add up to the total exactly. Percentages are "
    "worked out from the rounded counts."
)
SMALL_NOTE = gettext_lazy(
    "“Fewer than 5”: fewer than 5 people are behind this average or percentage, so it is not shown."
)


class Hidden:
    """What a hidden figure says instead of a number: "fewer than 5"."""

    def __init__(self, minimum: int = MINIMUM_PEOPLE):
        self.minimum = minimum

    def __str__(self) -> str:
        return gettext("fewer than %(minimum)s") % {"minimum": self.minimum}

    def __repr__(self) -> str:
        return f"Hidden(minimum={self.minimum})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hidden) and other.minimum == self.minimum

    def __hash__(self) -> int:
        return hash(("Hidden", self.minimum))


HIDDEN_SMALL = Hidden()


@dataclass(eq=False)
class Cell:
    """One figure as it may be shown, with the number of distinct people behind it.

    `value` is already protected (rounded, or None when hidden); the true count
    is never kept, so a cached report cannot leak it.
    """

    value: float | int | None
    people: int
    hidden: bool = False
    reason: str = ""  # "" | SMALL
    rounded: bool = False  # a count rounded to the nearest ROUNDING_BASE

    @property
    def shown(self) -> float | Hidden | None:
        """The figure, or what a hidden figure says instead."""
        return Hidden(MINIMUM_PEOPLE) if self.hidden else self.value


def round_count(n: int) -> int:
    """The nearest multiple of ROUNDING_BASE, halves up (7 → 5, 8 → 10)."""
    half = ROUNDING_BASE // 2
    return ROUNDING_BASE * ((int(n) + half) // ROUNDING_BASE)


def is_small(people: int | None) -> bool:
    return (people or 0) < MINIMUM_PEOPLE


def count(n: int | None, people: int | None = None) -> Cell:
    """A count of records, or of people when `people` is omitted, rounded to show.

    `people` (how many distinct people the records belong to) is kept for the
    percentages and tests built on the count; the count itself is shown rounded
    whatever it is, small or zero (rule 1).
    """
    n = int(n or 0)
    people = n if people is None else int(people or 0)
    return Cell(round_count(n), people, rounded=True)


def mean(value: float | None, people: int | None, places: int = 1) -> Cell:
    """A mean of values from `people` distinct people; hidden under the threshold."""
    people = int(people or 0)
    if is_small(people) or value is None:
        return Cell(None, people, hidden=True, reason=SMALL)
    return Cell(round(float(value), places), people)


def percent(numerator: Cell, denominator: Cell) -> Cell:
    """numerator ÷ denominator as a whole percentage, from the counts as shown.

    Hidden when fewer than 5 people are behind the denominator; no figure
    (None) when the denominator shows as 0.
    """
    people = denominator.people or 0
    if is_small(people) or numerator.hidden or denominator.hidden:
        return Cell(None, people, hidden=True, reason=SMALL)
    if not denominator.value:
        return Cell(None, people)
    if numerator.value is None:
        # A count (the numerator) always has a value; only a hidden one has none.
        raise ValueError("The numerator of a percentage must be a count.")
    return Cell(round(100 * numerator.value / denominator.value), people)


def fixed(value: float | None) -> Cell:
    """A figure that is not about people (a target, the places in a group): shown as it is."""
    return Cell(value, MINIMUM_PEOPLE)


# --- Themes a group releases to its organisation -----------------------------------


def group_named(people: int | None) -> bool:
    """Whether a released theme may say which group raised it.

    Only when at least MINIMUM_PEOPLE people stand behind it: were marked present
    at the meeting that agreed it. Decided for each statement on its own facts,
    never for a table cell (how many groups or people share a category in a
    month or a quarter), so that the same statement is named or not in every
    view: a month set against its quarter, one filter against another, the page
    before and after one more release. A name shown by a cell rule in one view
    and hidden in another is exactly what differencing recovers.
    """
    return not is_small(people)


# --- Feedback released in batches --------------------------------------------------


def feedback_minimum() -> int:
    """Distinct respondents a feedback batch needs; a setting may raise it, never lower it."""
    return max(FEEDBACK_MINIMUM, int(getattr(settings, "FEEDBACK_MINIMUM_RESPONDENTS", 0) or 0))


def _month_start(moment: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.date:
    local = moment.astimezone(zone)
    return datetime.date(local.year, local.month, 1)


@dataclass(frozen=True)
class Release:
    """What of someone's feedback may be shown: everything submitted before `until`."""

    until: datetime.datetime | None  # None: nothing released yet
    batches: int
    waiting_people: int  # distinct people in the batch still open (not shown as a figure)


def feedback_release(
    responses: Iterable[tuple[datetime.datetime, int | None]],
    *,
    now: datetime.datetime,
    time_zone: str = "Europe/London",
    minimum: int | None = None,
) -> Release:
    """The release point of feedback on one person's sessions, from (submitted_at, author).

    Responses are gathered a calendar month at a time (in `time_zone`). When a
    month has ended and the responses gathered since the last release come
    from at least `minimum` distinct people, they are released together;
    otherwise they wait and join the next month. Whoever ran the sessions sees
    totals of released responses only, so the figures change once a month at
    most and only by a batch of at least `minimum` people: never as a single
    response arrives. Deterministic: the same responses give the same release.
    """
    minimum = minimum or feedback_minimum()
    zone = zoneinfo.ZoneInfo(time_zone)
    current = _month_start(now, zone)
    by_month: dict[datetime.date, set[object]] = {}
    for submitted_at, author in responses:
        # An author removed since (anonymised) still counts as a person of their own.
        who = author if author is not None else object()
        by_month.setdefault(_month_start(submitted_at, zone), set()).add(who)
    until, batches, waiting = None, 0, set()
    for month in sorted(by_month):
        if month >= current:
            break
        waiting |= by_month[month]
        if len(waiting) >= minimum:
            end = month + relativedelta(months=1)
            until = datetime.datetime.combine(end, datetime.time.min, tzinfo=zone)
            batches, waiting = batches + 1, set()
    return Release(until, batches, len(waiting))
