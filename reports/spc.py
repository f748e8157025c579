"""Statistical process control: the XmR (individuals) chart of NHS England's "Making Data Count".

Pure Python (no database), so the rules can be checked by hand. The method:

- The mean of the values, and the mean moving range: the mean of the absolute
  differences between successive values. As Making Data Count (and the NHS-R
  "plot the dots" package that implements it) do by default, a moving range of
  RANGE_SCREEN (3.267) times the mean moving range or more is a one-off jump,
  not routine variation: it is left out and the mean moving range taken again
  (unless that would leave no variation at all).
- Process limits: mean ± 2.66 times the mean moving range (2.66 = 3 / 1.128, three
  sigma for the individuals chart). Clamped to `floor`/`ceiling` for display
  (0 and 100 for a percentage); the rules use the unclamped limits, which give
  the same answers for any value between floor and ceiling.
- Special cause rules, each flagging every point it involves:
  1. a single point outside the process limits (strictly beyond a limit);
  2. a shift: SHIFT (7) or more values in a row all above, or all below, the
     mean. A value exactly on the mean belongs to neither side and ends a run;
  3. a trend: TREND (7) or more values in a row each higher than the one before
     (or each lower). An equal value ends a trend. Making Data Count uses 7
     here too (some older run-chart guidance says 6);
  4. two out of three values in a row close to a process limit, on the same
     side: beyond two sigma (two thirds of the way from the mean to the limit),
     which includes values beyond the limit itself. The two (or three) close
     values are flagged, not the third one between or beside them.
- Each flagged point is improvement or concern by its direction: above the mean
  or rising is improvement when higher is better, concern when lower is better,
  and "neither" when `higher_is_better` is None. Should two rules pull a point in
  different directions (a rising trend of values still below the mean), the
  rule listed first above wins, as in "plot the dots".
- The variation verdict, like Making Data Count's variation icon, describes the
  latest value: special cause improvement or concern if the latest value is
  flagged, otherwise common cause.
- Assurance (Making Data Count's second icon), only with a target and a
  direction: the process limits lie wholly on the good side of the target
  (consistently passes), wholly on the bad side (consistently fails), or the
  target lies between them (hit and miss).

Missing values (None, e.g. a month suppressed because fewer than 5 people took
part) are skipped: the calculations run over the remaining values in order, as
if the missing month were not there. So a moving range bridges a gap (it is the
difference between the values either side of it), and a gap neither ends nor
adds to a shift or a trend. Why: a suppressed month tells us nothing either way,
and for a stable process the difference across a gap has the same spread as any
other. The chart still draws the gap.
"""

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

LIMIT_FACTOR = 2.66
RANGE_SCREEN = 3.267
SHIFT = 7
TREND = 7
# Fewer than six values means at most four moving ranges, so one unusual month
# would set the limits; and no run of 7 can happen yet. Six is also half a year
# of monthly figures, the shortest stretch a lead would sensibly read a pattern
# into. Making Data Count advises 12 or more (ideally 20), so limits from fewer
# than RECOMMENDED_POINTS values are shown as provisional.
MIN_POINTS = 6
RECOMMENDED_POINTS = 12

# SpcPoint.special_cause
COMMON = ""
IMPROVEMENT = "improvement"
CONCERN = "concern"
NEITHER = "neither"

# SpcResult.variation
COMMON_CAUSE = "common cause"
SPECIAL_CAUSE_IMPROVEMENT = "special cause improvement"
SPECIAL_CAUSE_CONCERN = "special cause concern"
SPECIAL_CAUSE_NEITHER = "special cause neither"
NOT_ENOUGH_DATA = "not enough data"

# SpcResult.assurance ("" when there is no target, no direction or no limits)
CONSISTENTLY_PASSES = "consistently passes"
CONSISTENTLY_FAILS = "consistently fails"
HIT_AND_MISS = "hit and miss"

_VARIATION = {
    COMMON: COMMON_CAUSE,
    IMPROVEMENT: SPECIAL_CAUSE_IMPROVEMENT,
    CONCERN: SPECIAL_CAUSE_CONCERN,
    NEITHER: SPECIAL_CAUSE_NEITHER,
}


@dataclass(frozen=True)
class SpcPoint:
    label: str  # e.g. "Apr 2026"
    value: float | None  # None = missing or suppressed: skipped in calculations, drawn as a gap
    special_cause: str  # COMMON | IMPROVEMENT | CONCERN | NEITHER
    rules: tuple[str, ...]  # the rules that flagged it, in words


@dataclass(frozen=True)
class SpcResult:
    points: tuple[SpcPoint, ...]
    mean: float | None  # None (like the limits) with fewer than MIN_POINTS values
    upper: float | None  # upper process limit, clamped to the ceiling
    lower: float | None  # lower process limit, clamped to the floor
    variation: str  # COMMON_CAUSE, SPECIAL_CAUSE_*, NOT_ENOUGH_DATA
    target: float | None
    mean_moving_range: float | None = None  # after leaving out one-off jumps
    higher_is_better: bool | None = True  # None: no direction is better
    assurance: str = ""
    floor: float | None = None
    ceiling: float | None = None

    @property
    def values_used(self) -> int:
        return sum(point.value is not None for point in self.points)

    @property
    def provisional(self) -> bool:
        """Limits exist but rest on fewer values than Making Data Count advises."""
        return self.upper is not None and self.values_used < RECOMMENDED_POINTS

    @property
    def latest(self) -> SpcPoint | None:
        """The latest point with a value."""
        return next((p for p in reversed(self.points) if p.value is not None), None)


def spc(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    higher_is_better: bool | None = True,
    target: float | None = None,
    floor: float | None = None,
    ceiling: float | None = None,
    screen_outliers: bool = True,
) -> SpcResult:
    """The XmR chart of `values` (oldest first), one per label, by the rules above.

    Values are not rounded: round for display. NaN counts as missing.
    """
    if len(labels) != len(values):
        raise ValueError("spc() needs one label per value")
    values = [None if v is None or math.isnan(v) else float(v) for v in values]
    present = [i for i, value in enumerate(values) if value is not None]
    common: dict[str, Any] = {
        "target": target,
        "higher_is_better": higher_is_better,
        "floor": floor,
        "ceiling": ceiling,
    }
    if len(present) < MIN_POINTS:
        unflagged = tuple(
            SpcPoint(str(label), v, COMMON, ()) for label, v in zip(labels, values, strict=True)
        )
        return SpcResult(unflagged, None, None, None, NOT_ENOUGH_DATA, **common)

    ys = [value for value in values if value is not None]  # the values at `present`
    mean = math.fsum(ys) / len(ys)
    mmr = _mean_moving_range(ys, screen=screen_outliers)
    upper, lower = mean + LIMIT_FACTOR * mmr, mean - LIMIT_FACTOR * mmr
    flags = _flags(ys, mean, upper, lower, mmr)

    by_index = dict(zip(present, flags, strict=True))
    points = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        found = by_index.get(i, [])
        points.append(
            SpcPoint(
                label=str(label),
                value=value,
                special_cause=_category(found, higher_is_better),
                rules=tuple(dict.fromkeys(words for _, _, words in found)),
            )
        )
    upper, lower = clamp(upper, floor, ceiling), clamp(lower, floor, ceiling)
    latest = points[present[-1]]
    return SpcResult(
        points=tuple(points),
        mean=mean,
        upper=upper,
        lower=lower,
        variation=_VARIATION[latest.special_cause],
        mean_moving_range=mmr,
        assurance=_assurance(upper, lower, target, higher_is_better),
        **common,
    )


def _mean_moving_range(ys: list[float], *, screen: bool) -> float:
    ranges = [abs(b - a) for a, b in itertools.pairwise(ys)]
    mmr = math.fsum(ranges) / len(ranges)
    if screen and mmr > 0:
        kept = [r for r in ranges if r < RANGE_SCREEN * mmr]
        # Left with no variation at all (a flat line and one jump), every value
        # off the mean would be "outside the limits": keep the jump instead.
        if any(kept):
            mmr = math.fsum(kept) / len(kept)
    return mmr


# A flag is (priority, direction, words): priority orders the rules (lowest
# wins when they disagree on direction); direction is +1 (high or rising) or -1.
Flag = tuple[int, int, str]


def _flags(ys: list[float], mean: float, upper: float, lower: float, mmr: float) -> list[list]:
    flags: list[list[Flag]] = [[] for _ in ys]
    for i, y in enumerate(ys):
        if y > upper:
            flags[i].append((1, 1, _("above the upper process limit")))
        elif y < lower:
            flags[i].append((1, -1, _("below the lower process limit")))

    diffs = [_sign(b - a) for a, b in itertools.pairwise(ys)]
    for start, length, direction in _runs(diffs):
        if length + 1 >= TREND:  # `length` rises or falls join length + 1 values
            words = _("a trend of %(count)s rising values") % {"count": length + 1}
            if direction < 0:
                words = _("a trend of %(count)s falling values") % {"count": length + 1}
            for i in range(start, start + length + 1):
                flags[i].append((2, direction, words))

    near = 2 / 3 * LIMIT_FACTOR * mmr
    zones = [1 if y > mean + near else -1 if y < mean - near else 0 for y in ys]
    for start in range(len(ys) - 2):
        for side in (1, -1):
            window = range(start, start + 3)
            if sum(zones[i] == side for i in window) >= 2:
                words = _("2 of 3 values near the upper process limit")
                if side < 0:
                    words = _("2 of 3 values near the lower process limit")
                for i in window:
                    if zones[i] == side and (3, side, words) not in flags[i]:
                        flags[i].append((3, side, words))

    sides = [_sign(y - mean) for y in ys]
    for start, length, side in _runs(sides):
        if length >= SHIFT:
            words = _("a run of %(count)s above the mean") % {"count": length}
            if side < 0:
                words = _("a run of %(count)s below the mean") % {"count": length}
            for i in range(start, start + length):
                flags[i].append((4, side, words))
    return flags


def _runs(signs: list[int]):
    """(start, length, sign) of each maximal stretch of equal, non-zero signs."""
    start = 0
    for i in range(1, len(signs) + 1):
        if i == len(signs) or signs[i] != signs[start]:
            if signs[start] != 0:
                yield start, i - start, signs[start]
            start = i


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _category(flags: list[Flag], higher_is_better: bool | None) -> str:
    if not flags:
        return COMMON
    if higher_is_better is None:
        return NEITHER
    # Of equal priorities the last wins: a peak that ends a rising trend and
    # starts a falling one takes the later trend, as in "plot the dots".
    priority = min(flag[0] for flag in flags)
    direction = [flag[1] for flag in flags if flag[0] == priority][-1]
    return IMPROVEMENT if (direction > 0) == higher_is_better else CONCERN


def clamp(x: float, floor: float | None, ceiling: float | None) -> float:
    if floor is not None:
        x = max(x, floor)
    if ceiling is not None:
        x = min(x, ceiling)
    return x


def _assurance(
    upper: float, lower: float, target: float | None, higher_is_better: bool | None
) -> str:
    if target is None or higher_is_better is None:
        return ""
    if higher_is_better:
        if lower >= target:
            return CONSISTENTLY_PASSES
        if upper < target:
            return CONSISTENTLY_FAILS
    else:
        if upper <= target:
            return CONSISTENTLY_PASSES
        if lower > target:
            return CONSISTENTLY_FAILS
    return HIT_AND_MISS
