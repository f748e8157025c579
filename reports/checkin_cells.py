"""The wellbeing check-ins' cells: what the report's two wellbeing tables read.

Each person's check-ins are counted into reports.models.CheckinCell: for each
level (which of department, band and profession the cell fixes), the slice the
check-in recorded at that level, its feeling and every feeling together (0),
and its month in the organisation's zone. A report reads one row per feeling
and month of its level and slice, however many check-ins stand behind it (at
100,000 staff the statement over the check-ins themselves was a quarter of the
uncached report's time, bench/run.py).

People stay exact as in the report's other cells (reports.cells): a person
counts in `pN` of a month when their previous month in the same cell came more
than N months before. What a person's check-ins add is kept with them
(reports.models.CheckinShare), so that `refresh_checkins` takes it away exactly
and adds what they add now; a change to a check-in marks its author stale
(feedback.reporting.watch_facts) and the roll-ups' drain calls it
(reports.services.refresh_pending_rollups). `rebuild_checkin_cells` makes them
all from scratch, and tests hold the two, and the report's figures, to counting
the check-ins themselves (engagement_report(source=RAW)).
"""

import datetime
import json
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import connection, transaction

from feedback import reporting as feedback_reporting

from . import locks
from .cells import GapCells, _inserted
from .models import (
    ALL_FEELINGS,
    CHECKIN_BAND,
    CHECKIN_CELL_COLUMNS,
    CHECKIN_DEPARTMENT,
    CHECKIN_LEVELS,
    CHECKIN_PROFESSION,
    PEOPLE_FIELDS,
    CheckinCell,
    CheckinShare,
)
from .reporting import month_number, window_people

# A cell but its month: (organisation, level, department (0: none or not fixed),
# band, profession, feeling (ALL_FEELINGS: every one)).
Prefix = tuple[int, int, int, str, str, int]
# What one person's check-ins add: {prefix: {month number: check-ins}}.
Share = dict[Prefix, dict[int, int]]

# The cells' columns' types, as PostgreSQL names them (db.rows_selected).
CHECKIN_CELL_TYPES = [
    "integer",
    "smallint",
    "integer",
    "varchar",
    "varchar",
    "smallint",
    "integer",
    *["integer"] * (1 + len(PEOPLE_FIELDS)),
]
SHARE_COLUMNS = ("user_id", "groups")


def level_of(department_id: int | None, band: str, profession: str) -> int:
    """The level whose cells fix exactly the dimensions given (None or empty: not fixed)."""
    return (
        (CHECKIN_DEPARTMENT if department_id is not None else 0)
        | (CHECKIN_BAND if band else 0)
        | (CHECKIN_PROFESSION if profession else 0)
    )


def _prefixes(
    organisation_id: int, department_id: int | None, band: str, profession: str, feeling: int
) -> list[Prefix]:
    """The cells one check-in counts in, at every level: its feeling's and all feelings'."""
    prefixes = []
    for level in CHECKIN_LEVELS:
        department = (department_id or 0) if level & CHECKIN_DEPARTMENT else 0
        slice_band = band if level & CHECKIN_BAND else ""
        slice_profession = profession if level & CHECKIN_PROFESSION else ""
        for counted in (ALL_FEELINGS, feeling):
            prefixes.append(
                (organisation_id, level, department, slice_band, slice_profession, counted)
            )
    return prefixes


def _each_share(user_ids=None) -> Iterator[tuple[int, Share]]:
    """(person, share) of each of these people (None: everyone) with check-ins, one
    person at a time (a rebuild streams the check-ins in author order)."""
    rows = feedback_reporting.checkin_facts(user_ids)
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    prefixes: dict[tuple, list[Prefix]] = {}
    person: int | None = None
    share: Share = {}
    for (
        author,
        organisation_id,
        zone_name,
        created_at,
        department,
        band,
        profession,
        feeling,
    ) in rows:
        if author != person:
            if person is not None:
                yield person, share
            person, share = author, {}
        zone = zones.get(zone_name) or zones.setdefault(zone_name, zoneinfo.ZoneInfo(zone_name))
        month = month_number(created_at.astimezone(zone))
        described = (organisation_id, department, band, profession, feeling)
        cells = prefixes.get(described) or prefixes.setdefault(described, _prefixes(*described))
        for prefix in cells:
            by_month = share.setdefault(prefix, {})
            by_month[month] = by_month.get(month, 0) + 1
    if person is not None:
        yield person, share


def _encoded(share: Share) -> str:
    return json.dumps(
        [[*prefix, sorted(by_month.items())] for prefix, by_month in sorted(share.items())],
        separators=(",", ":"),
    )


def _decoded(text: str) -> Share:
    return {tuple(item[:6]): dict(item[6]) for item in json.loads(text)}


def _cells() -> GapCells:
    return GapCells(CheckinCell, CHECKIN_CELL_COLUMNS, CHECKIN_CELL_TYPES)


def _add(cells: GapCells, share: Share, sign: int) -> None:
    for prefix, by_month in share.items():
        cells.add_series([prefix], by_month, sign)


def refresh_checkins(user_ids: Iterable[int]) -> set[int]:
    """Work these people's shares of the check-in cells out again from their check-ins
    and change the cells by the difference; the organisations whose cells changed.

    The one place the check-in cells change after a rebuild. The people are locked
    first (the roll-ups' own lock), so two refreshes of one person never
    interleave. Part of the caller's transaction.
    """
    ids = sorted({pk for pk in user_ids if pk is not None})
    if not ids:
        return set()
    with transaction.atomic(savepoint=False):
        locks.lock_people(ids)
        stored = dict(CheckinShare.objects.filter(user_id__in=ids).values_list("user_id", "groups"))
        now = dict(_each_share(ids))
        cells = _cells()
        changed: set[int] = set()
        kept, gone = [], []
        for user_id in ids:
            before = stored.get(user_id)
            share = now.get(user_id)
            after = _encoded(share) if share else None
            if before == after:
                continue
            if before is not None:
                old = _decoded(before)
                _add(cells, old, -1)
                changed |= {prefix[0] for prefix in old}
            if share and after is not None:
                _add(cells, share, 1)
                changed |= {prefix[0] for prefix in share}
                kept.append(CheckinShare(user_id=user_id, groups=after))
            else:
                gone.append(user_id)
        cells.write()
        if gone:
            CheckinShare.objects.filter(user_id__in=gone).delete()
        if kept:
            CheckinShare.objects.bulk_create(
                kept, update_conflicts=True, unique_fields=["user_id"], update_fields=["groups"]
            )
    return changed


def rebuild_checkin_cells(write=None) -> int:
    """Every share and cell worked out again from all the check-ins; how many cells.

    Part of reports.services.rebuild_rollups, whose `write(model, columns, rows)` it
    writes with if given (the history generator's COPY)."""
    write = write or _inserted
    with transaction.atomic():
        CheckinCell.objects.all().delete()
        CheckinShare.objects.all().delete()
        cells = _cells()
        shares = []
        for user_id, share in _each_share():
            _add(cells, share, 1)
            shares.append((user_id, _encoded(share)))
        rows = list(cells.rows())
        write(CheckinCell, CHECKIN_CELL_COLUMNS, rows)
        write(CheckinShare, SHARE_COLUMNS, shares)
    return len(rows)


def _month(number: int) -> datetime.date:
    return datetime.date(number // 12, number % 12 + 1, 1)


def checkin_counts(scope):
    """What tables.counts_and_means gives of the scope's check-ins, from the cells in
    one statement: ((cells, rows, by feeling, grand total), {month: {"mean",
    "people"}}, {"mean", "people"}). The mean feeling is the feelings weighed by
    their counts."""
    level = level_of(scope.department_id, scope.band, scope.profession)
    department = scope.department_id if level & CHECKIN_DEPARTMENT else 0
    first, last = month_number(scope.first_month), month_number(scope.last_month)
    table = connection.ops.quote_name(CheckinCell._meta.db_table)
    # Only our own names and numbers go into the text; the values are parameters.
    statement = (
        f"SELECT feeling, month, SUM(facts), SUM(p0), {window_people(scope)} "  # noqa: S608
        f"FROM {table} WHERE organisation_id = %s AND level = %s AND department_id = %s "
        "AND band = %s AND profession = %s AND month BETWEEN %s AND %s "
        "GROUP BY feeling, month"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            [scope.organisation_id, level, department, scope.band, scope.profession, first, last],
        )
        found = cursor.fetchall()
    by_feeling: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    months: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # check-ins, people, feelings
    for feeling, month, facts, people, whole in found:
        if not facts:  # a cell emptied since
            continue
        counted = by_feeling[feeling]
        counted[0] += int(facts)
        counted[1] += int(whole)
        of_month = months[month]
        if feeling == ALL_FEELINGS:
            of_month[0], of_month[1] = int(facts), int(people)
        else:
            of_month[2] += feeling * int(facts)
    by_column = {(feeling,): (n, people) for feeling, (n, people) in by_feeling.items() if feeling}
    grand = tuple(by_feeling.get(ALL_FEELINGS, (0, 0)))
    by_month = {
        _month(month): {"mean": feelings / n, "people": people}
        for month, (n, people, feelings) in months.items()
        if n
    }
    total = sum(feelings for _, _, feelings in months.values())
    overall = {"mean": total / grand[0] if grand[0] else None, "people": grand[1]}
    return ({}, {}, by_column, grand), by_month, overall
