from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.models import Organisation, Programme

DEFAULT_COVERAGE_TARGET = 80


class CoverageTarget(models.Model):
    """The share of eligible staff a programme aims to reach in a period (a percentage)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    programme = models.OneToOneField(
        Programme, on_delete=models.CASCADE, related_name="coverage_target"
    )
    percent = models.PositiveSmallIntegerField(
        _("target (% of eligible staff)"),
        default=DEFAULT_COVERAGE_TARGET,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__gte=1, percent__lte=100), name="target_is_a_percentage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme}: {self.percent}%"


MONTH_FIELDS = tuple(f"m{month}" for month in range(1, 13))


class ActivityRollup(models.Model):
    """One person's count of one kind of fact in one programme, month by month of one year.

    The report's roll-up (read by reports.reporting): a row per person, programme,
    kind, key and year, so it grows with staff, not with sessions. `kind` is
    "session" (one-to-one sessions, the person is the supervisee; `key` their
    status, see supervision.reporting.session_key) or "group" (register entries
    of meetings held; `key` the entry's status). `m1` … `m12` count the facts
    that started in each month of `year` in the organisation's zone: summed they
    give the report's counts, and "m7 > 0" says who had one that month, so
    distinct people over any window of months stay exact.

    Who the person is now (department, band, profession, whether active) is
    read through `user` when the report runs, so moving someone changes nothing here.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation_id = models.IntegerField()
    programme_id = models.IntegerField()
    kind = models.CharField(max_length=8)
    key = models.CharField(max_length=48)
    year = models.SmallIntegerField()
    m1 = models.PositiveIntegerField(default=0)
    m2 = models.PositiveIntegerField(default=0)
    m3 = models.PositiveIntegerField(default=0)
    m4 = models.PositiveIntegerField(default=0)
    m5 = models.PositiveIntegerField(default=0)
    m6 = models.PositiveIntegerField(default=0)
    m7 = models.PositiveIntegerField(default=0)
    m8 = models.PositiveIntegerField(default=0)
    m9 = models.PositiveIntegerField(default=0)
    m10 = models.PositiveIntegerField(default=0)
    m11 = models.PositiveIntegerField(default=0)
    m12 = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "programme_id", "kind", "key", "year"], name="rollup_one_row"
            ),
        ]
        indexes = [models.Index(fields=["organisation_id", "kind", "year"])]

    def __str__(self) -> str:
        return f"user {self.user_id} {self.kind} {self.key} {self.year}"

    @property
    def months(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in MONTH_FIELDS)


class RollupPending(models.Model):
    """A person whose roll-up rows of one kind wait to be worked out again.

    Bookings, logs, registers and feedback do not refresh the roll-ups in their
    own transaction (that doubled their cost): they only write this row there
    (reports.services.rollups_mark_stale), and reports.services.
    refresh_pending_rollups works the rows out later, from a Celery task every
    few seconds and before a report of the person's organisation is read. One
    row per person and kind however many changes wait; `created_at` is when the
    oldest of them was made, which the report shows while any are waiting.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="rollup_pending_once"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} {self.kind} since {self.created_at:%Y-%m-%d %H:%M}"


# The longest window the report's form offers, in months (reports.forms.MONTHS_OFFERED):
# a cell keeps its people by how long before each month they last had one, up to this.
GAPS = 36
PEOPLE_FIELDS = tuple(f"p{gap}" for gap in range(GAPS))
# A cell's level: the whole organisation, or one department, band and profession.
WHOLE, SLICE = 0, 1
# What names a cell (ReportCell's unique constraint), and then what it counts.
CELL_KEY = (
    "organisation_id",
    "level",
    "programme_id",
    "department_id",
    "band",
    "profession",
    "grouping",
    "grp",
    "month",
)
CELL_COLUMNS = (*CELL_KEY, "facts", *PEOPLE_FIELDS)


class SliceCell(models.Model):
    """What every cell of the report holds (ReportCell, CheckinCell): the organisation, the
    level and slice of its staff, the month (year * 12 + month - 1, in the
    organisation's zone), the facts counted, and the people behind them by the gap
    since their previous month in the cell (p0 … p35)."""

    organisation_id = models.IntegerField()
    level = models.SmallIntegerField()
    department_id = models.IntegerField()
    band = models.CharField(max_length=8)
    profession = models.CharField(max_length=32)
    month = models.IntegerField()
    facts = models.IntegerField(default=0)
    for _name in PEOPLE_FIELDS:  # p0 … p35: spelt out by the migrations
        locals()[_name] = models.IntegerField(default=0)
    del _name

    class Meta:
        abstract = True


class ReportCell(SliceCell):
    """One group of one grouping (reports.reporting.report_groupings) in one month, for
    a slice of an organisation's staff and one programme or all: what the report reads.

    Kept from every person's share (PersonShare) by reports.cells, so a report
    reads about one row per group and month whatever the number of staff or
    sessions behind it. `facts` counts the group's facts in the month. `p0` is
    the people with one that month, and `pN` those of them whose previous month
    in the group was more than N months before (or never): the people of a
    window of months a..b are then the sum, over its months m, of p(m - a), exact
    and summable across slices.

    `level` WHOLE holds the whole organisation (department 0, band and
    profession empty); SLICE one department (0: none), band and profession, as
    they are now. `programme_id` 0 counts every programme together; `month` is
    year * 12 + month - 1, in the organisation's zone.
    """

    programme_id = models.IntegerField()
    grouping = models.CharField(max_length=24)
    grp = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=list(CELL_KEY), name="report_cell_once"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.grouping} {self.grp} {self.month}"


class PersonShare(models.Model):
    """What one person adds to the report's cells (ReportCell), and who they were when
    it was added, so that it can be taken away again exactly.

    `groups` is JSON: [[programme (0: all), grouping, group, [[month, facts], …]], …].
    The person's slice, whether they were active, the programmes they were
    eligible for and the version of the groupings are compared with who they are
    now before a report is read (reports.cells.moved_people): any difference,
    or a person gone, and the share is worked out again. No foreign key: the
    share outlives an erased person until it is taken out of the cells.
    """

    user_id = models.IntegerField(primary_key=True)
    organisation_id = models.IntegerField()
    department_id = models.IntegerField()
    band = models.CharField(max_length=8)
    profession = models.CharField(max_length=32)
    active = models.BooleanField()
    eligible = models.TextField()
    version = models.CharField(max_length=40)
    groups = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["organisation_id"])]

    def __str__(self) -> str:
        return f"share of user {self.user_id}"


# Which of a check-in cell's people dimensions are fixed (CheckinCell.level): a bit each.
CHECKIN_DEPARTMENT, CHECKIN_BAND, CHECKIN_PROFESSION = 1, 2, 4
CHECKIN_LEVELS = tuple(range(8))
# A check-in cell's feeling that counts every feeling together.
ALL_FEELINGS = 0
CHECKIN_CELL_KEY = (
    "organisation_id",
    "level",
    "department_id",
    "band",
    "profession",
    "feeling",
    "month",
)
CHECKIN_CELL_COLUMNS = (*CHECKIN_CELL_KEY, "facts", *PEOPLE_FIELDS)


class CheckinCell(SliceCell):
    """Wellbeing check-ins of one feeling (or all: ALL_FEELINGS) in one month, for the
    staff of one department, band and profession as the check-ins recorded them:
    what the report's two wellbeing tables read (reports.checkin_cells).

    A check-in keeps who its author was when they made it, so people who moved
    since count where they were; a filter on some of the three dimensions must
    then count each person once across the others, which summing slices cannot.
    So each combination of fixed dimensions is a `level` of its own (a bit each:
    CHECKIN_DEPARTMENT, CHECKIN_BAND, CHECKIN_PROFESSION), the others held at 0 or
    empty, and its people are counted within it. `facts` and `pN` are as in
    ReportCell: the people of a window of months a..b are the sum over its months
    m of p(m - a), exact; the mean feeling is the feelings' counts weighed.
    """

    feeling = models.SmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=list(CHECKIN_CELL_KEY), name="checkin_cell_once"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} level {self.level} feeling {self.feeling} {self.month}"


class CheckinShare(models.Model):
    """What one person's wellbeing check-ins add to the check-in cells (CheckinCell), so
    that it can be taken away exactly when their check-ins change or they are
    erased. `groups` is JSON: [[organisation, level, department, band, profession,
    feeling, [[month, check-ins], …]], …]. No foreign key: the share outlives an
    erased person until it is taken out of the cells."""

    user_id = models.IntegerField(primary_key=True)
    groups = models.TextField()

    def __str__(self) -> str:
        return f"check-ins of user {self.user_id}"
