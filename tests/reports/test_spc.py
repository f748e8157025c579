"""The Making Data Count XmR rules (reports.spc), on series worked out by hand.

Most series below are built symmetric about 50 (the second half mirrors the
first: v becomes 100 - v), so their mean is exactly 50 and a rule's pattern can
be placed without moving the mean.
"""

import math

import pytest

from reports import spc as s
from reports.spc import spc


def labels(count):
    return [f"M{i}" for i in range(count)]


def run(values, **kwargs):
    return spc(labels(len(values)), values, **kwargs)


def flagged(result):
    return {i: (p.special_cause, p.rules) for i, p in enumerate(result.points) if p.special_cause}


def mirrored(first_half):
    return first_half + [100 - v for v in reversed(first_half)]


def near_upper(result):
    """The two-sigma line: two thirds of the way from the mean to the upper limit."""
    return result.mean + 2 / 3 * (result.upper - result.mean)


# --- worked examples ----------------------------------------------------------


def test_worked_example_mean_moving_range_and_limits():
    # 50, 55, 50, 55 ...: mean 52.5; every moving range is 5; limits 52.5 ± 2.66 x 5.
    result = run([50, 55] * 5)
    assert result.mean == pytest.approx(52.5)
    assert result.mean_moving_range == pytest.approx(5)
    assert result.upper == pytest.approx(65.8)
    assert result.lower == pytest.approx(39.2)
    assert result.variation == s.COMMON_CAUSE
    assert flagged(result) == {}


def test_worked_example_with_uneven_moving_ranges():
    # Sum 510 over 10 values: mean 51. Moving ranges 4+6+4+2+6+10+6+2+2 = 42 over 9.
    result = run([50, 54, 48, 52, 50, 56, 46, 52, 50, 52])
    assert result.mean == pytest.approx(51)
    assert result.mean_moving_range == pytest.approx(42 / 9)
    assert result.upper == pytest.approx(51 + 2.66 * 42 / 9)  # 63.41
    assert result.lower == pytest.approx(51 - 2.66 * 42 / 9)  # 38.59
    assert flagged(result) == {}


def test_a_one_off_jump_is_left_out_of_the_mean_moving_range():
    # Moving ranges: eight of 2 and one of 30; mean 46/9 = 5.11. 30 is over
    # 3.267 x 5.11 = 16.7, so it is left out: 16/8 = 2. The mean keeps the 80: 538/10.
    values = [50, 52] * 4 + [50, 80]
    screened = run(values)
    assert screened.mean == pytest.approx(53.8)
    assert screened.mean_moving_range == pytest.approx(2)
    assert screened.upper == pytest.approx(53.8 + 5.32)
    assert screened.points[-1].rules[0] == "above the upper process limit"

    unscreened = run(values, screen_outliers=False)
    assert unscreened.mean_moving_range == pytest.approx(46 / 9)
    assert unscreened.upper == pytest.approx(53.8 + 2.66 * 46 / 9)  # 67.40


def test_screening_never_leaves_a_jump_from_a_flat_line_with_no_variation():
    # Ranges 0 x 8 and 10: leaving out the 10 would make every value off the mean special.
    result = run([50] * 9 + [60])
    assert result.mean_moving_range == pytest.approx(10 / 9)
    assert result.points[-1].rules == ("above the upper process limit",)
    assert result.points[0].rules == ("a run of 9 below the mean",)


def test_a_flat_line_is_common_cause_because_a_value_on_a_limit_is_not_outside_it():
    result = run([60] * 8)
    assert result.upper == result.lower == result.mean == 60
    assert result.variation == s.COMMON_CAUSE
    assert flagged(result) == {}


# --- rule 1: outside the process limits ------------------------------------------


def _ends(d):
    # 50+d, then 45 55 ... 55, then 50-d: mean 50; moving ranges 5+d, seven 10s, 5+d,
    # so the mean moving range is (80 + 2d) / 9 and the upper limit
    # 50 + 2.66(80 + 2d)/9 passes 50 + d at d = 57.83.
    return run([50 + d, 45, 55, 45, 55, 45, 55, 45, 55, 50 - d])


def test_a_value_just_inside_the_limits_is_common_cause():
    result = _ends(57.7)
    assert result.upper == pytest.approx(50 + 2.66 * (80 + 2 * 57.7) / 9)
    assert result.points[0].value < result.upper
    assert flagged(result) == {}


def test_a_value_just_outside_each_limit_is_special_cause():
    result = _ends(58)
    assert result.points[0].value > result.upper
    assert flagged(result) == {
        0: (s.IMPROVEMENT, ("above the upper process limit",)),
        9: (s.CONCERN, ("below the lower process limit",)),
    }


# --- rule 2: a shift of 7 on one side of the mean -------------------------------------


def _shift(length, gap_at=None):
    # Alternating around 50, then `length` values above (51, 53, ...), two
    # around, `length` mirrored below, alternating again. Mean exactly 50.
    above = [51 if i % 2 == 0 else 53 for i in range(length)]
    below = [100 - v for v in above]
    values: list[int | None] = [52, 48, 52, 48, *above, 48, 52, *below, 52, 48, 52, 48]
    if gap_at is not None:
        values.insert(gap_at, None)
    return values


def test_seven_in_a_row_above_and_below_the_mean_are_a_shift():
    result = run(_shift(7))
    assert result.mean == pytest.approx(50)
    assert flagged(result) == {
        **{i: (s.IMPROVEMENT, ("a run of 7 above the mean",)) for i in range(4, 11)},
        **{i: (s.CONCERN, ("a run of 7 below the mean",)) for i in range(13, 20)},
    }


def test_six_in_a_row_are_not_a_shift():
    result = run(_shift(6))
    assert result.mean == pytest.approx(50)
    assert flagged(result) == {}


def test_a_value_on_the_mean_ends_a_run():
    values = _shift(7)
    values[7] = values[16] = 50  # the middle of each run (a 53 and its mirror, a 47)
    result = run(values)
    assert result.mean == pytest.approx(50)
    assert flagged(result) == {}


def test_when_lower_is_better_a_shift_above_the_mean_is_concern():
    result = run(_shift(7), higher_is_better=False)
    assert result.points[4].special_cause == s.CONCERN
    assert result.points[13].special_cause == s.IMPROVEMENT


def test_with_no_better_direction_special_cause_is_neither():
    result = run(_shift(7), higher_is_better=None)
    assert {p.special_cause for p in result.points} == {s.COMMON, s.NEITHER}
    assert result.assurance == ""


# --- rule 3: a trend of 7 rising or falling ---------------------------------------------


TREND_OF_7 = [52, 48, 52, 48, 52, 47, 48, 49, 50, 51, 52, 53, 48, 52, 48, 52, 48]
TREND_OF_6 = [52, 48, 52, 48, 52, 47, 48, 49, 51, 52, 53, 48, 52, 48, 52, 48]


def test_seven_rising_values_are_a_trend():
    result = run(TREND_OF_7)
    # Sum 850 / 17 = 50. Moving ranges 4 4 4 4 5 1 1 1 1 1 1 5 4 4 4 4: 48 / 16 = 3.
    assert result.mean == pytest.approx(50)
    assert result.mean_moving_range == pytest.approx(3)
    assert result.upper == pytest.approx(57.98)
    assert flagged(result) == {
        i: (s.IMPROVEMENT, ("a trend of 7 rising values",)) for i in range(5, 12)
    }


def test_seven_falling_values_are_a_trend_of_concern_when_higher_is_better():
    result = run(list(reversed(TREND_OF_7)))
    assert flagged(result) == {
        i: (s.CONCERN, ("a trend of 7 falling values",)) for i in range(5, 12)
    }


def test_six_rising_values_are_not_a_trend():
    result = run(TREND_OF_6)
    assert result.mean == pytest.approx(50)
    assert flagged(result) == {}


def test_an_equal_value_ends_a_trend():
    values = [*TREND_OF_7]
    values[8] = 49  # 47 48 49 49 51 52 53: no longer strictly rising
    assert flagged(run(values)) == {}


def test_a_rising_trend_below_the_mean_is_improvement_because_the_trend_outranks_the_run():
    # 46 to 49 by halves: a run of 7 below the mean (concern) that is also rising
    # (improvement); as in "plot the dots" the trend decides the point's direction.
    values = mirrored([51, 49, 51, 49, 51, 46, 46.5, 47, 47.5, 48, 48.5, 49, 51, 49])
    point = run(values).points[6]
    assert "a run of 7 below the mean" in point.rules
    assert "a trend of 8 rising values" in point.rules
    assert point.special_cause == s.IMPROVEMENT
    assert run(values, higher_is_better=False).points[6].special_cause == s.CONCERN


# --- rule 4: two out of three close to a limit ------------------------------------------


def _two_of_three(pattern):
    return run(mirrored([51, 49] * 4 + pattern + [51, 49] * 2))


def test_two_out_of_three_near_the_upper_limit_are_special_cause():
    result = _two_of_three([57, 49, 57])
    assert near_upper(result) < 57 < result.upper
    near = "2 of 3 values near the upper process limit"
    assert result.points[8].rules == result.points[10].rules == (near,)
    assert result.points[8].special_cause == s.IMPROVEMENT
    assert result.points[9].special_cause == s.COMMON  # the one in between is not flagged
    assert result.points[21].rules == ("2 of 3 values near the lower process limit",)
    assert set(flagged(result)) == {8, 10, 19, 21}


def test_two_out_of_four_near_a_limit_are_not():
    result = _two_of_three([57, 49, 51, 57])
    assert near_upper(result) < 57 < result.upper
    assert flagged(result) == {}


def test_two_out_of_three_near_opposite_limits_are_not():
    result = _two_of_three([57, 43, 51])
    assert near_upper(result) < 57 < result.upper
    assert result.mean - (near_upper(result) - result.mean) > 43  # near the lower limit
    assert flagged(result) == {}


# --- verdicts --------------------------------------------------------------------


def test_the_verdict_describes_the_latest_value():
    # Special cause months earlier on, but the latest month is common cause.
    assert flagged(run(TREND_OF_7))
    assert run(TREND_OF_7).variation == s.COMMON_CAUSE
    jump = [50, 52] * 4 + [50, 80]
    assert run(jump).variation == s.SPECIAL_CAUSE_IMPROVEMENT
    assert run(jump, higher_is_better=False).variation == s.SPECIAL_CAUSE_CONCERN
    assert run(jump, higher_is_better=None).variation == s.SPECIAL_CAUSE_NEITHER
    # A missing latest month: the verdict is on the latest value there is.
    assert run([*jump, None]).variation == s.SPECIAL_CAUSE_IMPROVEMENT


@pytest.mark.parametrize(
    ("target", "higher_is_better", "assurance"),
    [
        (35, True, s.CONSISTENTLY_PASSES),  # limits 39.2 to 65.8, all above the target
        (70, True, s.CONSISTENTLY_FAILS),
        (60, True, s.HIT_AND_MISS),
        (70, False, s.CONSISTENTLY_PASSES),
        (35, False, s.CONSISTENTLY_FAILS),
        (60, False, s.HIT_AND_MISS),
        (None, True, ""),
    ],
)
def test_assurance_compares_the_process_limits_with_the_target(target, higher_is_better, assurance):
    result = run([50, 55] * 5, target=target, higher_is_better=higher_is_better)
    assert result.target == target
    assert result.assurance == assurance


# --- gaps, clamping, too little data -------------------------------------------------


def test_a_moving_range_bridges_a_gap():
    # Ranges 10, |60 - 60| = 0 across the gap, 10, 10, 10: 40 / 5 = 8 (not 10,
    # as it would be if the range across the gap were dropped). Mean 330 / 6 = 55.
    result = run([50, 60, None, 60, 50, 60, 50])
    assert result.mean == pytest.approx(55)
    assert result.mean_moving_range == pytest.approx(8)
    assert result.upper == pytest.approx(55 + 21.28)
    assert result.points[2] == s.SpcPoint("M2", None, s.COMMON, ())


def test_a_gap_neither_ends_nor_adds_to_a_run():
    with_gap = run(_shift(7, gap_at=7))  # inside the run above
    without = run(_shift(7))
    assert (with_gap.mean, with_gap.upper, with_gap.lower) == (
        without.mean,
        without.upper,
        without.lower,
    )
    assert with_gap.points[7].value is None
    assert with_gap.points[8].rules == ("a run of 7 above the mean",)
    assert flagged(run(_shift(6, gap_at=7))) == {}


def test_not_a_number_counts_as_missing():
    result = run([50, 55, math.nan, 50, 55, 50, 55])
    assert result.points[2].value is None
    assert result.mean == pytest.approx(52.5)


def test_limits_are_clamped_to_the_floor_and_ceiling_but_the_rules_are_not_changed():
    # Mean 97.5; moving ranges 4 6 6 4 4 6 6: 36 / 7; upper 97.5 + 13.68 = 111.18.
    high = run([96, 100, 94, 100, 96, 100, 94, 100], floor=0, ceiling=100)
    assert high.upper == 100
    assert high.lower == pytest.approx(97.5 - 2.66 * 36 / 7)
    assert flagged(high) == {}  # 100 is on the clamped limit, not beyond it
    low = run([4, 0, 6, 0, 4, 0, 6, 0], floor=0, ceiling=100)
    assert low.lower == 0
    assert low.upper == pytest.approx(2.5 + 2.66 * 36 / 7)
    assert (high.floor, high.ceiling) == (0, 100)


def test_too_few_values_give_points_but_no_mean_limits_or_verdict():
    values = [50, 55, None, 50, 55, 50]  # five values
    result = run(values, target=60)
    assert result.variation == s.NOT_ENOUGH_DATA
    assert (result.mean, result.upper, result.lower) == (None, None, None)
    assert [p.value for p in result.points] == values
    assert [p.label for p in result.points] == labels(6)
    assert flagged(result) == {}
    assert result.assurance == ""
    assert result.target == 60


def test_six_values_are_enough_for_provisional_limits():
    result = run([50, 55] * 3)
    assert s.MIN_POINTS == 6
    assert result.upper == pytest.approx(65.8)
    assert result.provisional
    assert not run([50, 55] * 6).provisional


def test_a_label_for_every_value_is_required():
    with pytest.raises(ValueError, match="one label per value"):
        spc(["Apr 2026"], [1, 2])
