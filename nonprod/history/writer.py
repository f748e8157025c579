"""Writing history: bulk inserts that keep the past's timestamps, and the row shapes
more than one step writes."""

from collections import Counter
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


class Writer:
    """Inserts in batches, bulk_create or plain multi-row INSERTs; counts what it wrote."""

    def __init__(self, now):
        self.now = now
        self.counts: Counter[type[models.Model]] = Counter()

    def add(self, model, objs):
        objs = list(objs)
        if not objs:
            return objs
        for attname in AUTO_FIELDS.get(model, ()):
            for obj in objs:
                if getattr(obj, attname) is None:
                    setattr(obj, attname, self.now)
        model.objects.bulk_create(objs, batch_size=BATCH)
        reset_queries()  # with DEBUG on, Django would keep every INSERT's SQL
        self.counts[model] += len(objs)
        return objs

    def rows(self, model, rows, returning: bool = False) -> list:
        """Multi-row INSERTs of plain values, one dict of column values per row.

        For the big tables: bulk_create's work per object and per field was most
        of a benchmark run's time. Values are adapted as the fields would adapt
        them; with `returning`, the new ids come back in order, as bulk_create
        relies on too.
        """
        rows = list(rows)
        if not rows:
            return []
        ops, meta = connection.ops, model._meta
        columns = list(rows[0])
        fields = [meta.get_field(c) for c in columns]
        adapters = [_adapter(f) for f in fields]
        names = ", ".join(ops.quote_name(f.column) for f in fields)
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        limit = connection.features.max_query_params or BATCH * len(columns)
        size = max(1, min(BATCH, limit // len(columns)))
        # Names come from the model's own metadata; every value is a parameter.
        sql = f"INSERT INTO {ops.quote_name(meta.db_table)} ({names}) VALUES "  # noqa: S608
        tail = f" RETURNING {ops.quote_name(meta.pk.column)}" if returning else ""
        ids = []
        with connection.cursor() as cursor:
            for begin in range(0, len(rows), size):
                batch = rows[begin : begin + size]
                params = [
                    adapt(row[c]) if adapt else row[c]
                    for row in batch
                    for c, adapt in zip(columns, adapters, strict=True)
                ]
                cursor.execute(sql + ", ".join([one] * len(batch)) + tail, params)
                if returning:
                    ids += [pk for (pk,) in cursor.fetchall()]
        reset_queries()
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
                {owner: owner_id, other: other_id}
                for owner_id, other_ids in zip(owners, related, strict=True)
                for other_id in other_ids
            ),
        )


PLAIN_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.BigIntegerField,
    models.BooleanField,
    models.CharField,
    models.ForeignKey,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.TextField,
)


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
