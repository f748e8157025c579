import zoneinfo

from django.db import connection, transaction

from audit.services import audit_log
from feedback import reporting as feedback_reporting
from kernel.models import Programme
from peergroups import reporting as group_reporting
from supervision import reporting as supervision_reporting

from .models import DEFAULT_COVERAGE_TARGET, MONTH_FIELDS, ActivityRollup, CoverageTarget
from .report import reports_changed


@transaction.atomic
def coverage_target_set(*, actor, programme: Programme, percent: int) -> CoverageTarget:
    """Set the share of eligible staff a programme aims to reach; audited when it changes."""
    target, _ = CoverageTarget.objects.select_for_update().get_or_create(
        programme=programme,
        defaults={"organisation_id": programme.organisation_id, "percent": DEFAULT_COVERAGE_TARGET},
    )
    if target.percent != percent:
        before = target.percent
        target.percent = percent
        target.full_clean()
        target.save(update_fields=["percent", "updated_at"])
        audit_log(
            actor=actor,
            action="report.target_set",
            target=programme,
            summary=f"Coverage target for {programme.name}: {before}% to {percent}%",
            organisation_id=programme.organisation_id,
            details={"before": before, "after": percent},
        )
        transaction.on_commit(lambda: reports_changed(programme.organisation_id))
    return target


# --- the report's roll-ups (reports.rollups) ---------------------------------

RollupKey = tuple[int, int, int, str, str, int]  # person, organisation, programme, kind, key, year


def _rolled_up(facts_by_kind) -> dict[RollupKey, list[int]]:
    """{(person, organisation, programme, kind, key, year): counts by month} of the facts."""
    rolled: dict[RollupKey, list[int]] = {}
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    for kind, facts in facts_by_kind:
        for person, organisation, programme, zone_name, starts_at, key in facts:
            zone = zones.get(zone_name) or zones.setdefault(zone_name, zoneinfo.ZoneInfo(zone_name))
            local = starts_at.astimezone(zone)
            row = (person, organisation, programme, kind, key, local.year)
            rolled.setdefault(row, [0] * 12)[local.month - 1] += 1
    return rolled


def _facts(user_ids, kinds):
    """The facts of `kinds` of these people (None: everyone's), each kind from its app."""
    sources = {
        "session": supervision_reporting.session_facts,
        "theme": supervision_reporting.theme_facts,
        "group": group_reporting.attendance_facts,
        "rating": feedback_reporting.rating_facts,
    }
    return [(kind, sources[kind](user_ids)) for kind in kinds]


KINDS = ("session", "theme", "group", "rating")


def _new_rollup(key: RollupKey, months: list[int]) -> ActivityRollup:
    person, organisation, programme, kind, fact_key, year = key
    counts = dict(zip(MONTH_FIELDS, months, strict=True))
    return ActivityRollup(
        user_id=person,
        organisation_id=organisation,
        programme_id=programme,
        kind=kind,
        key=fact_key,
        year=year,
        **counts,
    )


# The class of PostgreSQL advisory lock the roll-ups take per person (two keys: this, the id).
ROLLUP_LOCK = 19


def _lock_people(ids: list[int]) -> None:
    """Hold these people's roll-up rows until the transaction ends, in id order.

    An advisory lock of the roll-ups' own, not a lock on the person's row, so
    it never waits on (or deadlocks with) the services that lock people for
    their own reasons. SQLite runs one writer at a time already.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for pk in ids:  # one at a time: the order is what prevents deadlocks
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROLLUP_LOCK, pk])


def refresh_rollups(user_ids, kinds: tuple[str, ...] = KINDS) -> None:
    """Bring these people's roll-up rows in line with their sessions and meetings.

    The one place the roll-ups change, called in the transaction that changed
    a fact (reports.apps connects it to every save and delete of a session, a
    register entry, a meeting or a group). Each person's rows are worked out
    again from that person's own facts of the `kinds` that changed (a few dozen
    rows), and only what differs is written; the people are locked first, so two
    changes for one person never interleave.
    """
    ids = sorted({pk for pk in user_ids if pk is not None})
    if not ids:
        return
    # Part of the caller's transaction (no savepoint of its own: a failure fails the change).
    with transaction.atomic(savepoint=False):
        _lock_people(ids)
        wanted = _rolled_up(_facts(ids, kinds))
        stored = {
            (r.user_id, r.organisation_id, r.programme_id, r.kind, r.key, r.year): r
            for r in ActivityRollup.objects.filter(user_id__in=ids, kind__in=kinds)
        }
        gone = [row.pk for key, row in stored.items() if key not in wanted]
        changed = []
        for key, months in wanted.items():
            row = stored.get(key)
            if row is not None and list(row.months) != months:
                for name, value in zip(MONTH_FIELDS, months, strict=True):
                    setattr(row, name, value)
                changed.append(row)
        if gone:
            ActivityRollup.objects.filter(pk__in=gone).delete()
        if changed:
            ActivityRollup.objects.bulk_update(changed, list(MONTH_FIELDS))
        new = [_new_rollup(key, months) for key, months in wanted.items() if key not in stored]
        if new:
            ActivityRollup.objects.bulk_create(new)


# The columns of a roll-up row, in the order of RollupKey and then the months.
ROLLUP_COLUMNS = (
    "user_id",
    "organisation_id",
    "programme_id",
    "kind",
    "key",
    "year",
    *MONTH_FIELDS,
)


def rebuild_rollups(write=None) -> int:
    """Every roll-up row worked out again from all the facts (`manage.py rebuild_rollups`).

    `write(columns, rows)`, if given, writes the rows (tuples of ROLLUP_COLUMNS'
    values) in place of bulk_create: the history generator's COPY, for a million
    sessions' worth of rows.
    """
    with transaction.atomic():
        ActivityRollup.objects.all().delete()
        made = _rolled_up(_facts(None, KINDS))
        if write is None:
            rows = (_new_rollup(key, months) for key, months in made.items())
            ActivityRollup.objects.bulk_create(rows, batch_size=5000)
        else:
            write(ROLLUP_COLUMNS, ((*key, *months) for key, months in made.items()))
    return len(made)


def rollups_fill_if_empty(**kwargs) -> None:
    """After `migrate`: a database that has facts but no roll-ups yet (the first deployment
    with them, or a restored copy from before) gets them built, so no report reads
    an empty table."""
    if ActivityRollup.objects.exists():
        return
    if any(next(iter(facts), None) is not None for _, facts in _facts(None, KINDS)):
        rebuild_rollups()
