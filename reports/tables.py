"""Report tables: figures counted in the database, made safe by `disclosure`.

`crosstab` counts a queryset annotated with `person` by a row and a column
field in one grouped query (the cells, the row totals, the column totals and
the grand total), so its cost does not grow with the data. `means` does the
same for an average. Every figure becomes a `disclosure.Cell` as it is made:
nothing here decides a threshold or rounds a count.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Avg, CharField, Count, F, Value

import disclosure
from disclosure import Cell
from supervision.reporting import month_of

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass
class Row:
    key: object
    label: "StrOrPromise"
    cells: list[Cell]
    total: Cell | None = None


@dataclass
class Table:
    slug: str
    title: str
    row_header: str
    columns: Sequence[tuple[object, str]]
    rows: list[Row]
    totals: Row | None = None
    total_label: str = "Total"
    kind: str = "count"  # "count" | "percent" | "mean" | "mixed"
    note: str = ""

    def positions(self):
        """((row key, column index), cell) for every cell, totals included."""
        for row in self.rows:
            for index, item in enumerate(row.cells):
                yield (row.key, index), item
            if row.total is not None:
                yield (row.key, "total"), row.total
        if self.totals is not None:
            for index, item in enumerate(self.totals.cells):
                yield ("__total__", index), item
            if self.totals.total is not None:
                yield ("__total__", "total"), self.totals.total

    def cells(self) -> list[Cell]:
        return [item for _, item in self.positions()]

    @property
    def footnotes(self) -> list[str]:
        """What the reader needs to know to read the figures honestly."""
        cells = self.cells()
        notes = []
        if any(item.rounded for item in cells):
            notes.append(str(disclosure.ROUNDING_NOTE))
        if any(item.hidden for item in cells):
            notes.append(str(disclosure.SMALL_NOTE))
        return notes


def _key(value, scope):
    if isinstance(value, datetime.date | datetime.datetime):
        return month_of(value, scope)
    return value


def raw_key(value, field: str | None):
    """A grouping value from raw SQL: months come back as local datetimes or text."""
    if field == "month" and value is not None:
        if isinstance(value, str):
            return datetime.date(int(value[:4]), int(value[5:7]), 1)
        return datetime.date(value.year, value.month, 1)
    return value


def grouped_counts(queryset, row_field, column_field, scope):
    """Counts and distinct people by (row, column), by row, by column and in all.

    One query: the filtered rows once in a common table expression, grouped
    four ways (what GROUPING SETS does on PostgreSQL, written so SQLite runs it
    too). Returns four dicts keyed by tuples: cells, rows, columns, and the
    grand total as (count, people). Without a `row_field` only the columns and
    the grand total are counted (the cells and rows stay empty: crosstab_from
    makes a table of one row from those two).
    """
    row_expression = F(row_field) if row_field else Value(None, output_field=CharField())
    rows = queryset.order_by().annotate(
        ident=F("pk"), who=F("person"), rk=row_expression, ck=F(column_field)
    )
    try:
        sql, params = rows.values("ident", "who", "rk", "ck").query.sql_with_params()
    except EmptyResultSet:
        return {}, {}, {}, (0, 0)
    counts = "COUNT(DISTINCT ident), COUNT(DISTINCT who)"
    # Without a row field the cells and the row are the columns and the grand total again.
    by_rows = (
        f"SELECT 0, rk, ck, {counts} FROM t GROUP BY rk, ck "  # noqa: S608 (our own text)
        f"UNION ALL SELECT 1, rk, NULL, {counts} FROM t GROUP BY rk UNION ALL "
        if row_field
        else ""
    )
    query = (
        f"WITH t AS ({sql}) {by_rows}"  # noqa: S608 (Django's parameterised SQL; our own aliases)
        f"SELECT 2, NULL, ck, {counts} FROM t GROUP BY ck "
        f"UNION ALL SELECT 3, NULL, NULL, {counts} FROM t"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        results = cursor.fetchall()
    by_cell, by_row, by_column, grand = {}, {}, {}, (0, 0)
    for level, row_value, column_value, n, people in results:
        row_key = raw_key(row_value, row_field)
        column_key = raw_key(column_value, column_field)
        if level == 0:
            by_cell[(row_key, column_key)] = (n, people)
        elif level == 1:
            by_row[(row_key,)] = (n, people)
        elif level == 2:
            by_column[(column_key,)] = (n, people)
        else:
            grand = (n, people)
    return by_cell, by_row, by_column, grand


def counts_and_means(queryset, column_field: str, value_field: str = "score"):
    """What `crosstab` (one row, by `column_field`) and `means` (of `value_field`, by
    month and overall) count of the same queryset, in one statement that reads its
    rows once: ((cells, rows, columns, grand total), {month: {"mean", "people"}},
    {"mean", "people"}). The queryset's rows must be distinct facts (no join
    repeats one), with a `person` and a `month`.
    """
    rows = queryset.order_by().annotate(
        who=F("person"), ck=F(column_field), v=F(value_field), mk=F("month")
    )
    try:
        sql, params = rows.values("who", "ck", "v", "mk").query.sql_with_params()
    except EmptyResultSet:
        return ({}, {}, {}, (0, 0)), {}, {"mean": None, "people": 0}
    counts = "COUNT(*), COUNT(DISTINCT who)"
    query = (
        f"WITH t AS ({sql}) "  # noqa: S608 (Django's parameterised SQL; our own aliases)
        f"SELECT 0, ck, NULL, {counts}, NULL FROM t GROUP BY ck "
        f"UNION ALL SELECT 1, NULL, mk, {counts}, AVG(v) FROM t GROUP BY mk "
        f"UNION ALL SELECT 2, NULL, NULL, {counts}, AVG(v) FROM t"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        results = cursor.fetchall()
    by_column, grand, by_month = {}, (0, 0), {}
    overall = {"mean": None, "people": 0}
    for level, column_value, month, n, people, mean in results:
        stated = {"mean": None if mean is None else float(mean), "people": people}
        if level == 0:
            by_column[(column_value,)] = (n, people)
        elif level == 1:
            by_month[raw_key(month, "month")] = stated
        else:
            grand, overall = (n, people), stated
    return ({}, {}, by_column, grand), by_month, overall


def crosstab(
    queryset,
    scope,
    *,
    rows: Sequence[tuple[object, "StrOrPromise"]] | None,
    row_field: str | None,
    columns: Sequence[tuple[object, str]],
    column_field: str,
    totals: bool = True,
    **table,
) -> Table:
    """Count `queryset` by row and column, with the people behind each count."""
    counts = grouped_counts(queryset, row_field, column_field, scope)
    return crosstab_from(
        counts, rows=rows, row_field=row_field, columns=columns, totals=totals, **table
    )


def crosstab_from(
    counts,
    *,
    rows: Sequence[tuple[object, "StrOrPromise"]] | None,
    row_field: str | None,
    columns: Sequence[tuple[object, str]],
    totals: bool = True,
    **table,
) -> Table:
    """The table of counts already made: (cells, rows, columns, grand total), as
    `grouped_counts` or reports.reporting.crosstab_counts give them."""
    by_cell, by_row, by_column, grand = counts

    def made(counts, key) -> Cell:
        return disclosure.count(*counts.get(key, (0, 0)))

    if row_field is None:
        rows = rows or [(None, "")]
        by_cell = {(None, column): counts for (column,), counts in by_column.items()}
        by_row = {(None,): grand}
    elif rows is None:
        raise ValueError("crosstab() needs the rows to show when it groups by a row field.")
    table_rows = [
        Row(
            key,
            label,
            [made(by_cell, (key, column)) for column, _ in columns],
            made(by_row, (key,)) if totals else None,
        )
        for key, label in rows
    ]
    total_row = None
    if totals and row_field is not None:
        total_row = Row(
            None,
            "Total",
            [made(by_column, (column,)) for column, _ in columns],
            disclosure.count(*grand),
        )
    return Table(rows=table_rows, totals=total_row, columns=columns, **table)


def means(queryset, scope, *, months, value_field: str = "score", **table) -> Table:
    """Monthly means of `value_field` and the people behind each (two queries)."""
    queryset = queryset.order_by()
    stats = {"mean": Avg(value_field), "people": Count("person", distinct=True)}
    by_month = {
        _key(record["month"], scope): record
        for record in queryset.values("month").annotate(**stats).order_by()
    }
    overall = queryset.aggregate(**stats)
    return means_from(by_month, overall, months=months, **table)


def means_from(by_month: dict, overall: dict, *, months, **table) -> Table:
    """The table of means already worked out: {"mean", "people"} by month and overall."""

    def made(record) -> Cell:
        if not record:
            return disclosure.mean(None, 0, places=2)
        return disclosure.mean(record["mean"], record["people"], places=2)

    rows = [Row(month, label, [made(by_month.get(month))]) for month, label in months]
    return Table(
        rows=rows,
        totals=Row(None, "Whole period", [made(overall)]),
        kind="mean",
        **table,
    )
