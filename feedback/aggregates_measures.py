"""The change in a wellbeing measure since joining, for leads: protected by `disclosure`.

For each follow-up (the first, about `interval_months` after joining; the
second; ...) the paired change is each person's score then minus their own
score at joining, averaged. Leads see it only

- as the mean change of at least `disclosure.MINIMUM_PEOPLE` (5) people,
  beside a rounded count of them (`disclosure.mean`, `disclosure.count`); and
- released in batches (`disclosure.feedback_release` with that minimum): a
  calendar month's follow-ups join the figure only once the month has ended
  and at least 5 different people stand behind them, so the figure never moves
  by one person's answers, and the difference between two visits is the mean
  change of a batch of 5 or more.

Nothing else is shown that a reader could set against it: no means at joining
or at follow-up (two of those over overlapping people would give one person's
score away), no totals across programmes, no breakdown by team. How many
people answered at joining is a rounded count. Scores are raw sums (7 to 35),
not the SWEMWBS metric score (README, "Wellbeing measure").
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

import disclosure
from disclosure import Cell

from .models import WellbeingMeasure


@dataclass(frozen=True)
class ChangeRow:
    occasion: int  # 1: the first follow-up
    months: int  # about this many months after joining
    people: Cell  # a rounded count of the people behind the figure
    mean_change: Cell  # hidden under 5 people
    until: datetime.datetime  # follow-ups answered before this are counted

    @property
    def up_to(self) -> datetime.date:
        return (self.until - datetime.timedelta(days=1)).date()


@dataclass(frozen=True)
class MeasureSummary:
    measure: WellbeingMeasure
    at_joining: Cell  # a rounded count of the people who answered at joining
    rows: list[ChangeRow]


def change_summaries(measures, responses, *, now: datetime.datetime) -> list[MeasureSummary]:
    """One summary per measure, from `responses` (every response to those measures, from
    `permissions_measures.responses_for_aggregate`). One query, however many there are."""
    rows = defaultdict(list)
    for row in responses.order_by().values_list(
        "measure_id", "author_id", "occasion", "raw_score", "submitted_at"
    ):
        rows[row[0]].append(row[1:])
    return [_summary(measure, rows[measure.pk], now) for measure in measures]


def _summary(measure: WellbeingMeasure, rows, now) -> MeasureSummary:
    at_joining = {author: score for author, occasion, score, _at in rows if occasion == 0}
    changes = defaultdict(list)  # occasion: [(answered at, author, change)]
    for author, occasion, score, answered_at in rows:
        if occasion and author in at_joining:
            changes[occasion].append((answered_at, author, score - at_joining[author]))
    zone = measure.programme.organisation.time_zone
    shown = []
    for occasion in sorted(changes):
        pairs = changes[occasion]
        release = disclosure.feedback_release(
            [(answered_at, author) for answered_at, author, _change in pairs],
            now=now,
            time_zone=zone,
            minimum=disclosure.MINIMUM_PEOPLE,
        )
        if release.until is None:
            continue  # not even that someone answered is shown before a release
        released = [change for answered_at, _a, change in pairs if answered_at < release.until]
        people = len(released)
        shown.append(
            ChangeRow(
                occasion=occasion,
                months=occasion * measure.interval_months,
                people=disclosure.count(people),
                mean_change=disclosure.mean(sum(released) / people, people),
                until=release.until,
            )
        )
    return MeasureSummary(measure, disclosure.count(len(at_joining)), shown)
