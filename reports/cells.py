"""The report's cells: each person's share of every group and month, summed per slice.

The engagement report reads its session, group-meeting, theme and rating
tables from reports.models.ReportCell: for each slice of an organisation's
staff (the whole organisation, or one department, band and profession), each
programme and all together, each group of every grouping the tables need
(reports.reporting.report_groupings) and each month, the facts and the people
behind them. A report reads about one row per group and month, however many
staff or sessions stand behind it.

The people stay exact over any window: a person counts in `pN` of a month when
their previous month in the group was more than N months before, so the
people of a window a..b, each counted once, are the sum over its months m of
p(m - a). Every figure is a sum, so slices and people add up.

Each person's share (reports.models.PersonShare) is worked out from their
roll-up rows (reports.models.ActivityRollup) and who they are now, and what
it adds is kept with it, so that working it out again takes away exactly what
it added and adds the new share: `refresh_shares`, which the roll-ups' drain
calls for every person it takes (reports.services.refresh_pending_rollups).
Who a person is can change by many paths (an edit, an ESR import, leaving, a
programme's rules), so before a report is read `moved_people` compares every
share of the organisation with who its person is now, and those that differ
are worked out again. `rebuild_cells` makes them all from scratch.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, CharField, Q, Value, When
from django.db.models.functions import Coalesce, Concat

from kernel.models import Modality, StaffProfile
from supervision import reporting as supervision_reporting
from supervision.reporting import eligible_q

from . import db, locks, reporting
from .models import (
    CELL_COLUMNS,
    GAPS,
    MONTH_FIELDS,
    PEOPLE_FIELDS,
    SLICE,
    WHOLE,
    ActivityRollup,
    PersonShare,
    ReportCell,
)

# Who a person is, as their share was counted: organisation, department (0: none),
# band, profession, active, the programmes they may use ("101": a flag for each
# supervision programme in id order), the groupings' version.
Key = tuple[int, int, str, str, bool, str, str]
# A person's share: {(programme (0: all), grouping, group): {month number: facts}}.
Groups = dict[tuple[int, str, str], dict[int, int]]

# Their types, as PostgreSQL names them (db.rows_selected).
CELL_TYPES = [
    "integer",
    "smallint",
    "integer",
    "integer",
    "varchar",
    "varchar",
    "varchar",
    "varchar",
    "integer",
    *["integer"] * (1 + len(PEOPLE_FIELDS)),
]
_SUPERVISION = (Modality.ONE_TO_ONE, Modality.GROUP)


@dataclass
class _Setting:
    """What one organisation's shares are counted with: its supervision programmes, the
    groupings over them, their version, and each combination's groups once known."""

    programmes: list
    groupings: reporting.Groupings
    version: str
    groups_of: dict[tuple, list[tuple[str, str]]] = field(default_factory=dict)


def _setting(organisation_id: int) -> _Setting:
    programmes = sorted(
        (
            programme
            for programme in supervision_reporting.organisation_programmes(organisation_id)
            if programme.modality in _SUPERVISION
        ),
        key=lambda programme: programme.pk,
    )
    groupings = reporting.report_groupings(programmes)
    stated = [
        [programme.pk for programme in programmes],
        *(
            [name, text, [str(value) for value in values]]
            for name, (text, values) in groupings.by.items()
        ),
    ]
    version = hashlib.sha256(json.dumps(stated).encode()).hexdigest()[:40]
    return _Setting(programmes=programmes, groupings=groupings, version=version)


def _people(setting: _Setting, organisation_id: int):
    """The organisation's staff, each annotated with who they are as a share records it:
    `share_department` (0: none) and `share_eligible`, a 1 or 0 for each programme
    in id order."""
    eligible = [
        Case(When(eligible_q(programme), then=Value("1")), default=Value("0"))
        for programme in setting.programmes
    ]
    flags: Any
    if not eligible:
        flags = Value("")
    elif len(eligible) == 1:
        flags = eligible[0]
    else:
        flags = Concat(*eligible, output_field=CharField())
    return (
        StaffProfile.objects.filter(organisation_id=organisation_id)
        .order_by()
        .annotate(share_department=Coalesce("department_id", Value(0)), share_eligible=flags)
    )


def _keys(setting: _Setting, organisation_id: int, user_ids=None) -> dict[int, Key]:
    """Who the organisation's people (or these of them) are now: one query."""
    people = _people(setting, organisation_id)
    if user_ids is not None:
        people = people.filter(user_id__in=user_ids)
    rows = people.values_list(
        "user_id", "share_department", "band", "profession", "user__is_active", "share_eligible"
    )
    return {
        user_id: (
            organisation_id,
            department_id,
            band,
            profession,
            active,
            eligible,
            setting.version,
        )
        for user_id, department_id, band, profession, active, eligible in rows
    }


def _stored_key(share: PersonShare) -> Key:
    return (
        share.organisation_id,
        share.department_id,
        share.band,
        share.profession,
        share.active,
        share.eligible,
        share.version,
    )


_STORED_KEY = (
    "organisation_id",
    "department_id",
    "band",
    "profession",
    "active",
    "eligible",
    "version",
)


def moved_people(organisation_id: int) -> list[int]:
    """The people whose share of the organisation's cells is not who they are now: moved
    in, out or within it, left, erased, made eligible or not, or counted with
    groupings since changed. Compared in the database, who they are against who
    their shares say they were, both ways in one statement, so only those who
    differ come back (three queries: the programmes, their departments, this)."""
    setting = _setting(organisation_id)
    now = _people(setting, organisation_id).values_list(
        "user_id", "share_department", "band", "profession", "user__is_active", "share_eligible"
    )
    shares = PersonShare.objects.filter(
        organisation_id=organisation_id, version=setting.version
    ).values_list("user_id", "department_id", "band", "profession", "active", "eligible")
    now_sql, now_params = now.query.sql_with_params()
    shares_sql, shares_params = shares.query.sql_with_params()
    names = ", ".join(f"k{index}" for index in range(6))
    # Paired by person; none of the compared values is ever NULL on a side that has
    # the person, so `<>` is the whole test.
    differ = " OR ".join(f"n.k{index} <> s.k{index}" for index in range(1, 6))
    if _full_join():
        # Each person once, whichever side has them: one hash join on the person, a
        # third cheaper than matching on all six values both ways (bench/run.py).
        compared = (
            "SELECT COALESCE(n.k0, s.k0) FROM n FULL JOIN s ON n.k0 = s.k0 "  # noqa: S608
            f"WHERE n.k0 IS NULL OR s.k0 IS NULL OR {differ}"
        )
    else:
        compared = (
            f"SELECT n.k0 FROM n LEFT JOIN s ON n.k0 = s.k0 WHERE s.k0 IS NULL OR {differ} "  # noqa: S608
            "UNION ALL SELECT s.k0 FROM s LEFT JOIN n ON n.k0 = s.k0 WHERE n.k0 IS NULL"
        )
    # Django's parameterised SQL and our own aliases only. The people who moved, are
    # gone, or are new: without the same row on the other side.
    sql = f"WITH n ({names}) AS ({now_sql}), s ({names}) AS ({shares_sql}) {compared}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*now_params, *shares_params])
        return sorted(user_id for (user_id,) in cursor.fetchall())


def _full_join() -> bool:
    """Whether the database joins FULL: PostgreSQL, and SQLite from 3.39."""
    if connection.vendor != "sqlite":
        return True
    import sqlite3

    return sqlite3.sqlite_version_info >= (3, 39)


def _groups_of(setting: _Setting, combinations: Iterable[tuple]) -> None:
    """Work out the groups of these combinations (programme, kind, key, covered_in) with
    the groupings' own SQL, one statement per few hundred."""
    missing = sorted(set(combinations) - setting.groups_of.keys())
    names = list(setting.groupings.by)
    selects = ", ".join(text for text, _ in setting.groupings.by.values())
    grouping_params = [value for _, values in setting.groupings.by.values() for value in values]
    for start in range(0, len(missing), 200):
        part = missing[start : start + 200]
        values = ", ".join(["(%s, %s, %s, %s)"] * len(part))
        # Only the groupings' SQL (our own text, with placeholders) goes into the text.
        sql = (
            'WITH combinations ("programme_id", "kind", "key", "covered_in") AS '  # noqa: S608
            f"(VALUES {values}) "
            f'SELECT "programme_id", "kind", "key", "covered_in", {selects} FROM combinations'
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*(value for row in part for value in row), *grouping_params])
            for programme_id, kind, key, covered_in, *groups in cursor.fetchall():
                setting.groups_of[(programme_id, kind, key, covered_in)] = [
                    (name, str(group))
                    for name, group in zip(names, groups, strict=True)
                    if group is not None
                ]


def _shares(setting: _Setting, organisation_id: int, user_ids=None) -> dict[int, Groups]:
    """The share of each of the organisation's people (or these of them) with roll-up rows,
    from their rows: those of the kinds counted after leaving whoever has left."""
    rows = ActivityRollup.objects.filter(
        organisation_id=organisation_id, user__profile__organisation_id=organisation_id
    )
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    rows = rows.filter(Q(user__is_active=True) | Q(kind__in=reporting.COUNTED_AFTER_LEAVING))
    rows = rows.annotate(**setting.groupings.person).order_by()
    listed = list(
        rows.values_list(
            "user_id",
            "programme_id",
            "kind",
            "key",
            *setting.groupings.person,
            "year",
            *MONTH_FIELDS,
        )
    )
    _groups_of(setting, {row[1:5] for row in listed})
    shares: dict[int, Groups] = defaultdict(dict)
    for user_id, programme_id, kind, key, covered_in, year, *months in listed:
        groups = setting.groups_of[(programme_id, kind, key, covered_in)]
        share = shares[user_id]
        first = year * 12
        for index, facts in enumerate(months):
            if not facts:
                continue
            for programme in (0, programme_id):
                for name, group in groups:
                    by_month = share.setdefault((programme, name, group), {})
                    by_month[first + index] = by_month.get(first + index, 0) + facts
    return shares


def _with_eligibility(setting: _Setting, key: Key, groups: Groups) -> Groups:
    """The share with who the person may use now, if still active (reporting.NOW): each
    programme they are eligible for ("eligible"), whether any ("eligible_any") and, if
    any, their department ("eligible_department"); for every programme together and
    for each programme alone, as the report's population counts them."""
    _, department_id, _, _, active, flags, _ = key
    if not active:
        return groups
    eligible = [
        programme.pk
        for programme, flag in zip(setting.programmes, flags, strict=True)
        if flag == "1"
    ]
    made = dict(groups)
    for programme_id in (0, *eligible):
        mine = eligible if programme_id == 0 else [programme_id]
        if not mine:
            continue
        made[(programme_id, "eligible_any", "any")] = {reporting.NOW: 1}
        if department_id:
            made[(programme_id, "eligible_department", str(department_id))] = {reporting.NOW: 1}
        for one in mine:
            made[(programme_id, "eligible", str(one))] = {reporting.NOW: 1}
    return made


class GapCells:
    """Changes to cells of `model` (ReportCell, CheckinCell): facts, and people by the gap
    since their previous month. A cell is its key's values but the month (a prefix),
    then the month; `columns` are the model's key, then "facts" and p0 … p35, and
    `types` their PostgreSQL types (db.rows_selected)."""

    def __init__(self, model, columns: tuple[str, ...], types: list[str]) -> None:
        self.model, self.columns, self.types = model, columns, types
        self.facts: dict[tuple, int] = defaultdict(int)
        self.gaps: dict[tuple, dict[int, int]] = defaultdict(dict)

    def add_series(self, prefixes: Iterable[tuple], by_month: dict[int, int], sign: int) -> None:
        """Add (sign 1) or take away (-1) one person's facts month by month in each of these
        cells: each month with any counts them once, by the gap since their previous."""
        previous = None
        for month in sorted(by_month):
            gap = GAPS if previous is None else min(month - previous, GAPS)
            previous = month
            for prefix in prefixes:
                cell = (*prefix, month)
                self.facts[cell] += sign * by_month[month]
                gaps = self.gaps[cell]
                gaps[gap] = gaps.get(gap, 0) + sign

    def rows(self):
        """(cell key, facts, p0 … p35) of every cell that changes, in key order (so two
        writers always lock cells in the same order)."""
        for cell in sorted(self.facts):
            by_gap = [0] * (GAPS + 1)
            for gap, n in self.gaps[cell].items():
                by_gap[gap] += n
            people = [0] * GAPS
            running = 0
            for least in range(GAPS - 1, -1, -1):  # pN: the people whose gap is above N
                running += by_gap[least + 1]
                people[least] = running
            facts = self.facts[cell]
            # (a change can move a person between gaps and leave p0 as it was)
            if facts or any(people):
                yield (*cell, facts, *people)

    def write(self) -> None:
        """Add the changes to the cells: one upsert, however many change."""
        rows = list(self.rows())
        if not rows:
            return
        table = connection.ops.quote_name(self.model._meta.db_table)
        quoted = [connection.ops.quote_name(column) for column in self.columns]
        key = len(self.columns) - 1 - GAPS  # the key's columns, before facts and people
        added = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in quoted[key:])
        selected, params = db.rows_selected(self.types, rows)
        # Only our own table and column names and the SELECT's placeholders go into the text.
        sql = (
            f"INSERT INTO {table} ({', '.join(quoted)}) {selected} "
            f"ON CONFLICT ({', '.join(quoted[:key])}) DO UPDATE SET {added}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


class _Cells(GapCells):
    """Changes to the report's cells (ReportCell) from people's shares, at the whole
    organisation's level and their slice's."""

    def __init__(self, levels=(WHOLE, SLICE)) -> None:
        super().__init__(ReportCell, CELL_COLUMNS, CELL_TYPES)
        self.levels = levels

    def add(self, key: Key, groups: Groups, sign: int) -> None:
        organisation_id, department_id, band, profession = key[:4]
        slices = {
            WHOLE: (0, "", ""),
            SLICE: (department_id, band, profession),
        }
        for (programme_id, name, group), by_month in groups.items():
            prefixes = [
                (organisation_id, level, programme_id, *slices[level], name, group)
                for level in self.levels
            ]
            self.add_series(prefixes, by_month, sign)


def _encoded(groups: Groups) -> str:
    return json.dumps(
        [[*group, sorted(by_month.items())] for group, by_month in sorted(groups.items())],
        separators=(",", ":"),
    )


def _decoded(text: str) -> Groups:
    return {
        (programme, name, group): dict(months)
        for programme, name, group, months in json.loads(text)
    }


def _share_row(user_id: int, key: Key, groups: Groups) -> PersonShare:
    return PersonShare(
        user_id=user_id, groups=_encoded(groups), **dict(zip(_STORED_KEY, key, strict=True))
    )


def refresh_shares(user_ids) -> set[int]:
    """Work out these people's shares again and change the cells by the difference; the
    organisations whose cells changed.

    The one place the cells change after a rebuild: what each person's stored
    share added is taken away and their share now is added, in one upsert. The
    people are locked first (the roll-ups' own lock), so two refreshes of one
    person never interleave. Part of the caller's transaction.
    """
    ids = sorted({pk for pk in user_ids if pk is not None})
    if not ids:
        return set()
    with transaction.atomic(savepoint=False):
        locks.lock_people(ids)
        stored = {share.user_id: share for share in PersonShare.objects.filter(user_id__in=ids)}
        by_organisation: dict[int, list[int]] = defaultdict(list)
        for user_id, organisation_id in StaffProfile.objects.filter(user_id__in=ids).values_list(
            "user_id", "organisation_id"
        ):
            by_organisation[organisation_id].append(user_id)
        now: dict[int, tuple[Key, Groups]] = {}
        for organisation_id, people in by_organisation.items():
            setting = _setting(organisation_id)
            shares = _shares(setting, organisation_id, people)
            for user_id, key in _keys(setting, organisation_id, people).items():
                now[user_id] = (key, _with_eligibility(setting, key, shares.get(user_id, {})))
        cells = _Cells()
        changed = set()
        kept = []
        for user_id in ids:
            share = stored.get(user_id)
            before = (_stored_key(share), share.groups) if share is not None else None
            after = None
            if user_id in now:
                key, groups = now[user_id]
                after = (key, _encoded(groups))
            if before == after:
                continue
            if share is not None:
                cells.add(_stored_key(share), _decoded(share.groups), -1)
                changed.add(share.organisation_id)
            if after is not None:
                cells.add(after[0], now[user_id][1], 1)
                changed.add(after[0][0])
                kept.append(_share_row(user_id, *now[user_id]))
        cells.write()
        gone = [user_id for user_id in stored if user_id not in now]
        if gone:
            PersonShare.objects.filter(user_id__in=gone).delete()
        if kept:
            PersonShare.objects.bulk_create(
                kept,
                update_conflicts=True,
                unique_fields=["user_id"],
                update_fields=[*_STORED_KEY, "groups"],
            )
    return changed


SHARE_COLUMNS = ("user_id", *_STORED_KEY, "groups")


def _inserted(model, columns, rows) -> None:
    """Multi-row INSERTs of plain rows (rebuild_cells, when not given a writer)."""
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    row_sql = f"({', '.join(['%s'] * len(columns))})"
    size = max(1, min(500, 30_000 // len(columns)))
    rows = list(rows)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            part = rows[start : start + size]
            # Only our own table and column names and placeholders go into the text.
            sql = f"INSERT INTO {table} ({quoted}) VALUES {', '.join([row_sql] * len(part))}"  # noqa: S608
            cursor.execute(sql, [value for row in part for value in row])


def rebuild_cells(write=None) -> int:
    """Every share and cell worked out again from the roll-up rows; how many cells.

    Part of reports.services.rebuild_rollups, whose `write(model, columns, rows)`
    it writes with if given (the history generator's COPY). Each organisation's
    slices are summed from its people's shares, and its whole from its slices."""
    write = write or _inserted
    with transaction.atomic():
        ReportCell.objects.all().delete()
        PersonShare.objects.all().delete()
        organisations = StaffProfile.objects.values_list("organisation_id", flat=True)
        for organisation_id in sorted(set(organisations.order_by().distinct())):
            setting = _setting(organisation_id)
            shares = _shares(setting, organisation_id)
            cells = _Cells(levels=(SLICE,))
            rows = []
            for user_id, key in _keys(setting, organisation_id).items():
                groups = _with_eligibility(setting, key, shares.get(user_id, {}))
                cells.add(key, groups, 1)
                rows.append((user_id, *key, _encoded(groups)))
            write(ReportCell, CELL_COLUMNS, cells.rows())
            write(PersonShare, SHARE_COLUMNS, rows)
        _sum_wholes()
    return ReportCell.objects.count()


def _sum_wholes() -> None:
    """Each organisation's whole, summed from its slices (every figure is a sum)."""
    table = connection.ops.quote_name(ReportCell._meta.db_table)
    summed = [connection.ops.quote_name(name) for name in ("facts", *PEOPLE_FIELDS)]
    kept = [
        connection.ops.quote_name(name)
        for name in ("organisation_id", "programme_id", "grouping", "grp", "month")
    ]
    listed = ", ".join(kept)
    # Only our own table and column names and numbers go into the text.
    sql = (
        f"INSERT INTO {table} ({listed}, level, department_id, band, profession, "  # noqa: S608
        f"{', '.join(summed)}) "
        f"SELECT {listed}, {WHOLE}, 0, '', '', {', '.join(f'SUM({name})' for name in summed)} "
        f"FROM {table} WHERE level = {SLICE} GROUP BY {listed}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
