"""Writing history: bulk inserts that keep the past's timestamps, and the row shapes
more than one step writes."""

import functools
import io
import json
from collections import Counter
from collections.abc import Sequence
from contextlib import contextmanager

from django.db import connection, models, reset_queries

from kernel.models import RoleGrant, StaffProfile
from peergroups.models import CheckIn, Group, GroupRecord, Membership, SupportRequest
from supervision.models import Agreement

from .constants import BATCH

# Written with bulk_create (the others go through Writer.rows, which never stamps).
HISTORY_MODELS = (
    StaffProfile,
    RoleGrant,
    Agreement,
    Group,
    Membership,
    GroupRecord,
    SupportRequest,
    CheckIn,
)


def _auto_fields(model):
    return [
        f
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]


AUTO_FIELDS = {model: [f.attname for f in _auto_fields(model)] for model in HISTORY_MODELS}


@contextmanager
def timestamps_as_given():
    """Django stamps auto_now(_add) fields with the current time on insert, but a
    session booked last March was created last March. Switched off for these
    models while history is written, and back on whatever happens."""
    fields = [f for model in HISTORY_MODELS for f in _auto_fields(model)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@contextmanager
def foreign_keys_checked_in_bulk(writer):
    """On PostgreSQL, every foreign key of the rows written inside checked with one
    query per key afterwards, not row by row.

    Django's foreign keys are deferred: PostgreSQL queues a check of each value
    of each new row and runs them at COMMIT, one lookup each (a region's history
    queued millions; its COMMIT took minutes). With the session's replication role
    set to replica (a superuser's right) no trigger fires, these checks included,
    and a query per key then finds any value without its row, for every table
    written: the same rule, checked once per key. Without the right, each check
    runs as each statement ends, in the order the rows are written (parents
    first). Only this transaction is affected (SET LOCAL), and the role is back
    to normal before the run's audit entries are written.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        bulk = bool(cursor.fetchone()[0])
        if bulk:
            cursor.execute("SET LOCAL session_replication_role TO replica")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    if bulk:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role TO origin")
            for model in writer.counts:
                _check_foreign_keys(cursor, model)


class ForeignKeyMissing(Exception):
    """A row written refers to a row that does not exist."""


def _check_foreign_keys(cursor, model) -> None:
    quote, meta = connection.ops.quote_name, model._meta
    for field in meta.concrete_fields:
        if not (field.is_relation and field.db_constraint):
            continue
        target = field.target_field
        # Names come from the models' own metadata.
        cursor.execute(
            f"SELECT c.{quote(field.column)} FROM {quote(meta.db_table)} c "  # noqa: S608
            f"WHERE c.{quote(field.column)} IS NOT NULL AND NOT EXISTS (SELECT FROM "
            f"{quote(target.model._meta.db_table)} p WHERE p.{quote(target.column)} = "
            f"c.{quote(field.column)}) LIMIT 1"
        )
        missing = cursor.fetchone()
        if missing is not None:
            raise ForeignKeyMissing(
                f"{meta.db_table}.{field.column} = {missing[0]}: no such "
                f"{target.model._meta.db_table}.{target.column}"
            )


class Writer:
    """Inserts in batches and counts what it wrote: on PostgreSQL by COPY, elsewhere by
    multi-row INSERTs."""

    def __init__(self, now):
        self.now = now
        self.counts: Counter[type[models.Model]] = Counter()

    def add(self, model, objs):
        """Model instances, written with their new ids set (as bulk_create leaves them)."""
        objs = list(objs)
        if not objs:
            return objs
        for attname in AUTO_FIELDS.get(model, ()):
            for obj in objs:
                if getattr(obj, attname) is None:
                    setattr(obj, attname, self.now)
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        # pre_save, as bulk_create: a model not in HISTORY_MODELS is stamped now.
        ids = self.rows(
            model,
            ([f.pre_save(obj, True) for f in fields] for obj in objs),
            returning=True,
            columns=[f.attname for f in fields],
        )
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, "default"
        return objs

    def rows(self, model, rows, returning: bool = False, columns=None) -> list:
        """Rows of plain values: dicts of column values, or sequences in the order of
        `columns`. With `returning`, the new ids in the rows' order.

        For the big tables: bulk_create's work per object and per field was most
        of a benchmark run's time. Values are adapted as the fields would adapt
        them.
        """
        rows = list(rows)
        if not rows:
            return []
        if columns is None:
            columns = list(rows[0])
            rows = [[row[c] for c in columns] for row in rows]
        meta = model._meta
        fields = [meta.get_field(c) for c in columns]
        if connection.vendor == "postgresql":
            ids = _copy(meta, fields, rows, returning)
        else:
            ids = _insert(meta, fields, rows, returning)
        reset_queries()  # with DEBUG on, Django would keep every statement's SQL
        self.counts[model] += len(rows)
        return ids

    def links(self, relation, owners, related) -> None:
        """Rows of a many-to-many relation (`Group.facilitators`, say): each owner's
        id with each id in its list of related ones."""
        field = relation.field
        owner, other = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        self.rows(
            relation.through,
            (
                (owner_id, other_id)
                for owner_id, other_ids in zip(owners, related, strict=True)
                for other_id in other_ids
            ),
            columns=[owner, other],
        )


def _insert(meta, fields, rows, returning) -> list:
    """Multi-row INSERTs of the rows, every value a parameter."""
    ops = connection.ops
    adapters = [_adapter(f) for f in fields]
    names = ", ".join(ops.quote_name(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params or BATCH * len(fields)
    size = max(1, min(BATCH, limit // len(fields)))
    # Names come from the model's own metadata; every value is a parameter.
    sql = f"INSERT INTO {ops.quote_name(meta.db_table)} ({names}) VALUES "  # noqa: S608
    tail = f" RETURNING {ops.quote_name(meta.pk.column)}" if returning else ""
    ids = []
    with connection.cursor() as cursor:
        for begin in range(0, len(rows), size):
            batch = rows[begin : begin + size]
            params = [
                adapt(value) if adapt else value
                for row in batch
                for value, adapt in zip(row, adapters, strict=True)
            ]
            cursor.execute(sql + ", ".join([one] * len(batch)) + tail, params)
            if returning:
                ids += [pk for (pk,) in cursor.fetchall()]
    return ids


def _copy(meta, fields, rows, returning) -> list:
    """The rows by COPY, in PostgreSQL's text format: a fraction of the work of INSERTs
    for the database (no statement of thousands of values to parse) and for us.

    New ids are taken from the table's own sequence first, in order, as an INSERT
    would take them, and written with the rows.
    """
    ops = connection.ops
    table = ops.quote_name(meta.db_table)
    spellings = [_spelling(f) for f in fields]
    names = [ops.quote_name(f.column) for f in fields]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, meta.pk.column, len(rows)],
            )
            ids = sorted(pk for (pk,) in cursor.fetchall())
            names.insert(0, ops.quote_name(meta.pk.column))
            spellings.insert(0, _as_str)
        # Names come from the model's own metadata; the values travel as COPY data.
        sql = f"COPY {table} ({', '.join(names)}) FROM STDIN"
        line = "\t".join(["%s"] * len(names)) + "\n"
        for begin in range(0, len(rows), COPY_BATCH):
            columns: list[Sequence] = list(zip(*rows[begin : begin + COPY_BATCH], strict=True))
            if returning:
                columns.insert(0, ids[begin : begin + COPY_BATCH])
            spelt = [spell(column) for spell, column in zip(spellings, columns, strict=True)]
            data = "".join(map(line.__mod__, zip(*spelt, strict=True)))
            cursor.cursor.copy_expert(sql, io.StringIO(data), size=COPY_READ)
    return ids


COPY_BATCH = 50_000  # rows per COPY
COPY_READ = 1 << 20  # characters psycopg2 reads and sends at a time (8,192 by default)
NULL = "\\N"
# COPY's text format: a backslash, tab, newline or carriage return in a value is escaped.
_SPECIAL = ("\\", "\t", "\n", "\r")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


# A column's values, spelt for COPY: whatever str() makes of each value (the "%s" of
# a line) is read back by PostgreSQL as the value (numbers, ids, UUIDs, True and
# False, dates, times and datetimes in ISO form with their offset), but for None,
# spelt \N, and text, which is escaped. Work per value only where a column needs it:
# most columns are returned as they are.


def _as_str(column):
    return [NULL if value is None else value for value in column] if None in column else column


def _as_text(column):
    if any(special in "".join(filter(None, column)) for special in _SPECIAL):
        column = [None if value is None else value.translate(_ESCAPES) for value in column]
    return _as_str(column)


def _spelling(field):
    """How COPY's text format spells a column of the field's values.

    Plain fields by their type; any other (an encrypted text field, JSON) first
    prepares its values as it would for an INSERT, exactly as _adapter does.
    """
    kind = type(field)
    if kind in NUMBERS or kind in (
        models.BooleanField,
        models.UUIDField,
        models.DateTimeField,
        models.DateField,
        models.TimeField,
    ):
        return _as_str
    if kind in (models.CharField, models.TextField):
        return _as_text
    if isinstance(field, models.JSONField):
        dumps = functools.partial(json.dumps, cls=field.encoder)
        return lambda column: _as_text([None if v is None else dumps(v) for v in column])
    # An empty value is common (no reason given, no comment) and most fields, encrypted
    # text included, store it as it is: asked once, not once a value.
    empty = field.get_db_prep_save("", connection) == "" if field.empty_strings_allowed else False

    def prepared(value):
        if value is None or (empty and value == ""):
            return value
        value = field.get_db_prep_save(value, connection)
        return None if value is None else str(value)

    return lambda column: _as_text([prepared(value) for value in column])


NUMBERS = (
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.ForeignKey,  # the id it holds
    models.OneToOneField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
)
PLAIN_FIELDS = (*NUMBERS, models.BooleanField, models.CharField, models.TextField)


def _adapter(field):
    """How the field turns a Python value into what the database backend stores.

    Exact types only: a subclass (an encrypted text field, say) prepares its own
    values, so it goes through get_db_prep_save like any other field.
    """
    ops, kind = connection.ops, type(field)
    if kind in PLAIN_FIELDS:
        return None
    if kind is models.DateTimeField:
        return ops.adapt_datetimefield_value
    if kind is models.DateField:
        return ops.adapt_datefield_value
    return lambda value: field.get_db_prep_save(value, connection)


def commitment_row(user_id, starts_at, ends_at, session_id=None, group_session_id=None) -> dict:
    """Time promised to a session or meeting still to come (supervision.services.scheduling)."""
    return {
        "user_id": user_id,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "session_id": session_id,
        "group_session_id": group_session_id,
    }


def meeting_link(key) -> str:
    return f"https://teams.microsoft.com/l/meetup-join/history-{key}"
