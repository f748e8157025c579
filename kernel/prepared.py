"""Queries every signed-in request runs, turned into SQL once per process.

Building a query's SQL costs Django's ORM far more than PostgreSQL takes to answer
it: a few hundred microseconds of CPU for the one-row lookups behind every page
(the session, one's own profile, one's roles), against tens for running it. A
`PreparedQuery` builds its queryset and compiles it once, with a marker value in
place of each argument; every call then runs the same SQL with the real values and
makes the same model instances (select_related ones included) or rows that the
queryset would have made. Only for querysets whose shape never changes: the same
filters, joins and ordering every time, only the values differ.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import QuerySet, prefetch_related_objects
from django.db.models.query import (  # type: ignore[attr-defined]
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

# Stand-ins for the arguments while the SQL is built: values no real row has.
_INT_MARKER = -7_351_902_468_113
_STR_MARKER = "\x00prepared-argument-"
_DATETIME_MARKER = datetime.datetime(1901, 2, 3, 4, 5, 6, tzinfo=datetime.UTC)
_DATE_MARKER = datetime.date(1902, 3, 4)
TYPES = (int, str, datetime.datetime, datetime.date)
_INT64 = (-(2**63), 2**63 - 1)


class _Compiled:
    """One compiled query: its SQL, where each argument goes, and how rows become results."""

    def __init__(self, queryset: QuerySet, markers: list[Any], *, all_used: bool = True):
        if queryset._iterable_class not in (ModelIterable, ValuesListIterable):
            raise TypeError("PreparedQuery takes a queryset of models or of values_list tuples")
        if queryset._known_related_objects:  # type: ignore[attr-defined]
            raise TypeError("PreparedQuery takes no related-manager querysets")
        self.using = queryset.db
        compiler = queryset.query.get_compiler(using=self.using)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        # (position, argument, how the argument reaches the SQL): a time or a date as
        # the backend writes a DateTimeField's or DateField's value (SQLite: text).
        ops = connections[self.using].ops
        self.slots: list[tuple[int, int, Callable | None]] = []
        for index, marker in enumerate(markers):
            adapt = _adapter(ops, marker)
            written = adapt(marker) if adapt else marker
            positions = [pos for pos, value in enumerate(self.params) if value == written]
            if not positions and all_used:
                raise ValueError(f"argument {index} must reach the query unchanged")
            self.slots.extend((position, index, adapt) for position in positions)
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = list(compiler.get_converters(fields).items())
        self.models = queryset._iterable_class is ModelIterable
        if self.models:
            klass_info = compiler.klass_info
            self.model = klass_info["model"]
            select_fields = klass_info["select_fields"]
            self.start, self.end = select_fields[0], select_fields[-1] + 1
            self.init_list = [
                column[0].target.attname for column in compiler.select[self.start : self.end]
            ]
            # Hold no state of a call: the same ones serve every call.
            self.populators = get_related_populators(klass_info, compiler.select, self.using)
            # Annotations, set on each instance as the queryset would.
            self.annotations = list(compiler.annotation_col_map.items())
            # Run on the instances made, as the queryset would (none takes an argument).
            self.prefetch = queryset._prefetch_related_lookups  # type: ignore[attr-defined]

    def run(self, values: tuple) -> list:
        params = list(self.params)
        for position, index, adapt in self.slots:
            params[position] = adapt(values[index]) if adapt else values[index]
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = [self._converted(row, connection) for row in rows]
        if not self.models:
            return [tuple(row) for row in rows]
        found = []
        for row in rows:
            obj = self.model.from_db(self.using, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            found.append(obj)
        if self.prefetch and found:
            prefetch_related_objects(found, *self.prefetch)
        return found

    def _converted(self, row, connection) -> list:
        row = list(row)
        for position, (converters, expression) in self.converters:
            value = row[position]
            for converter in converters:
                value = converter(value, expression, connection)
            row[position] = value
        return row


def _adapter(ops, marker) -> Callable | None:
    if isinstance(marker, datetime.datetime):
        return ops.adapt_datetimefield_value
    if isinstance(marker, datetime.date):
        return ops.adapt_datefield_value
    return None


class PreparedQuery:
    """`build(*arguments)` -> a queryset; its SQL is built once per process and database.

        profile_for = PreparedQuery(
            lambda user_id: StaffProfile.objects.select_related("organisation")
            .filter(user_id=user_id)
            .order_by()[:1]
        )
        profiles = profile_for(user.pk)  # a list, as list(queryset) would be

    `types`: each argument's type, int, str (an id, a key), datetime (an aware
    time, compared with a DateTimeField) or date (compared with a DateField). Each
    argument must reach the SQL as parameters, unchanged (a filter on an integer,
    text, date or date-and-time column, as often as the queryset uses it), so that
    it can be replaced: not a LIMIT, not None (`= NULL` is compiled as IS NULL), not
    a time moved by a timedelta or turned into a date inside the queryset (pass the
    moved time, or the date, as an argument of its own). The shape of the
    query must not depend on the arguments (no branch on them in `build`), and its
    database is the queryset's (the default router's).
    """

    def __init__(self, build: Callable[..., QuerySet], *, types: tuple[type, ...] = (int,)):
        if any(kind not in TYPES for kind in types):
            raise TypeError("PreparedQuery's arguments are int, str, datetime or date")
        self._build = build
        self._types = types
        self._compiled: dict[str, _Compiled] = {}
        self._using: str | None = None
        # Set by PreparedPages: the query counts the rows of build's (values_list) query.
        self.counting = False

    def __call__(self, *values: Any) -> list[Any]:
        """Model instances, or tuples for a values_list queryset."""
        if len(values) != len(self._types):
            raise TypeError(f"takes {len(self._types)} arguments, not {len(values)}")
        values = tuple(
            _checked(kind, value) for kind, value in zip(self._types, values, strict=True)
        )
        if any(
            kind is int and not _INT64[0] <= value <= _INT64[1]
            for kind, value in zip(self._types, values, strict=True)
        ):
            # No column holds an integer beyond 64 bits, so no row has it (an id in a
            # URL, /agreements/99999999999999999999/): SQLite would refuse to bind it.
            return []
        compiled = self._compiled.get(self._using) if self._using else None
        if compiled is None:
            compiled = self._compile()
        return compiled.run(values)

    def _markers(self) -> list[Any]:
        markers: list[Any] = []
        for index, kind in enumerate(self._types):
            if kind is int:
                markers.append(_INT_MARKER - index)
            elif kind is str:
                markers.append(f"{_STR_MARKER}{index}")
            elif kind is datetime.datetime:
                markers.append(_DATETIME_MARKER + datetime.timedelta(microseconds=index + 1))
            else:
                markers.append(_DATE_MARKER + datetime.timedelta(days=index + 1))
        return markers

    def _compile(self) -> _Compiled:
        markers = self._markers()
        queryset = self._build(*markers)
        # A count leaves out the annotations nothing filters on, and their arguments.
        compiled = _Compiled(queryset, markers, all_used=not self.counting)
        if self.counting:
            # As Django counts a query it cannot count in place: its rows, counted.
            compiled.sql = f"SELECT COUNT(*) FROM ({compiled.sql}) counted"  # noqa: S608
            compiled.converters = []
        self._compiled[queryset.db] = compiled
        self._using = queryset.db
        return compiled


def _checked(kind: type, value: Any) -> Any:
    """An argument as its type: an id or key converted (as a filter would), a time
    required to be an aware datetime (a naive one would mean a different instant)."""
    if kind is datetime.datetime:
        if not isinstance(value, datetime.datetime) or value.tzinfo is None:
            raise TypeError("a PreparedQuery's time is an aware datetime")
        return value
    if kind is datetime.date:
        if type(value) is not datetime.date:
            raise TypeError("a PreparedQuery's date is a date (not a datetime)")
        return value
    return kind(value)


# How many shapes a Shapes keeps by default.
SHAPES_KEPT = 64


class Shapes:
    """One thing for each shape of a query that varies only in shape (how many ids,
    which filters are set, which page), made by `make(shape)` on first use and kept:

        by_count = Shapes(lambda count: PreparedQuery(..., types=(int,) * count))
        by_count[len(ids)](*ids)

    `keep(shape)` says which to keep (by default the first SHAPES_KEPT made), so that
    shapes asked for from outside cannot grow it without bound; one not kept is made
    on each use, as a queryset's SQL would be.
    """

    def __init__(self, make: Callable[[Any], Any], *, keep: Callable[[Any], bool] | None = None):
        self._make = make
        self._keep = keep
        self._made: dict[Any, Any] = {}

    def __getitem__(self, shape):
        made = self._made.get(shape)
        if made is None:
            made = self._make(shape)
            if self._keep(shape) if self._keep else len(self._made) < SHAPES_KEPT:
                self._made[shape] = made
        return made

    def __iter__(self):
        return iter(self._made)

    def __len__(self) -> int:
        return len(self._made)


# Pages whose SQL is kept (the first ones, where nearly every view is); a later
# page's is built on each view, as a queryset's would be.
PAGES_KEPT = 20


class _Counted(Paginator):
    """Django's Paginator over one page's rows, fetched apart, of a count known."""

    def __init__(self, per_page: int, total: int):
        super().__init__([], per_page)
        self.total = total

    @property
    def count(self) -> int:
        return self.total


class PreparedPages:
    """Pages of a query for a list page, in place of Paginator(queryset).get_page():

        history = PreparedPages(
            lambda user_id: Session.objects.filter(supervisee_id=user_id).order_by("-starts_at"),
            per_page=25,
        )
        page = history.get_page(request.GET.get("page"), user.pk)

    The same two queries as Paginator's (the count, then the page's rows, so the
    database still finds a page by its ordering's index and counts by another),
    their SQL built once per process: PreparedQuery, whose rules `build` follows;
    it must be ordered and not distinct. Its prefetch_related lookups run on the
    page's rows as the queryset would run them (they must not depend on the
    arguments). A page number past the end gives the last page, and one that is
    not a number the first, as get_page does.

    `counted`, if given, builds the rows to count for the same arguments without what
    only a page's rows need (the joins of their select_related and annotations), so
    the count reads one table's index: the same rows, which the caller answers for.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        per_page: int,
        types: tuple[type, ...] = (int,),
        counted: Callable[..., QuerySet] | None = None,
    ):
        self._build = build
        self._counted_rows = counted or build
        self._types = types
        self.per_page = per_page
        self._count = PreparedQuery(self._counted, types=types)
        self._count.counting = True
        self._pages = Shapes(self._page_query, keep=lambda number: number <= PAGES_KEPT)

    def _counted(self, *arguments) -> QuerySet:
        queryset = self._build(*arguments)
        if not queryset.ordered or queryset.query.distinct:
            raise TypeError("PreparedPages takes an ordered queryset, not a distinct one")
        return self._counted_rows(*arguments).order_by().values_list("pk")

    def _page_query(self, number: int) -> PreparedQuery:
        bottom = (number - 1) * self.per_page
        return PreparedQuery(
            lambda *arguments: self._build(*arguments)[bottom : bottom + self.per_page],
            types=self._types,
        )

    def get_page(self, number, *values: Any) -> Page:
        """The page `number` (text from the query string, say) of the rows for `values`."""
        found = self._count(*values)
        paginator = _Counted(self.per_page, found[0][0] if found else 0)
        try:
            wanted = paginator.validate_number(number)
        except PageNotAnInteger:
            wanted = 1
        except EmptyPage:
            wanted = paginator.num_pages
        rows = self._pages[wanted](*values) if paginator.count else []
        return Page(rows, wanted, paginator)


class PreparedForIds:
    """A PreparedQuery for a list of ids that the query requires each row to match (an
    IN list), one for each length of list; `build(ids, *arguments)`:

        names_of = PreparedForIds(
            lambda ids: Programme.objects.filter(pk__in=ids).values_list("pk", "name")
        )
        names_of([3, 5, 8])

    No ids, no rows (without asking). `types`: the other arguments', as PreparedQuery's.
    """

    def __init__(self, build: Callable[..., QuerySet], *, types: tuple[type, ...] = ()):
        self._build = build
        self._types = types
        self._by_length = Shapes(self._query_for)

    def _query_for(self, count: int) -> PreparedQuery:
        return PreparedQuery(
            lambda *arguments: self._build(list(arguments[:count]), *arguments[count:]),
            types=(int,) * count + self._types,
        )

    def __call__(self, ids, *values: Any) -> list[Any]:
        ids = sorted({int(pk) for pk in ids})
        if not ids:
            return []
        return self._by_length[len(ids)](*ids, *values)


def as_read(queryset: QuerySet, rows: list) -> QuerySet:
    """`queryset`, as if it had been read and had found `rows` (what a prepared query
    built from it found): iterating it, its len() and a ListedModelChoiceField given
    it ask for nothing; anything chained on it (a filter) still asks."""
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    return queryset
