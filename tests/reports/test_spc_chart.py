"""The SPC chart (reports.spc_chart), its words (reports.spc_words) and the include."""

import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string

from disclosure import HIDDEN_SMALL
from reports.spc import spc
from reports.spc_chart import TARGET_DASH, spc_chart
from reports.spc_words import spc_description, spc_table

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = [
    "Apr 2025",
    "May 2025",
    "Jun 2025",
    "Jul 2025",
    "Aug 2025",
    "Sep 2025",
    "Oct 2025",
    "Nov 2025",
    "Dec 2025",
    "Jan 2026",
]
# Mean 53.8, mean moving range 2 (the jump to 80 left out), limits 48.48 to 59.12;
# the 80 in Jan 2026 is above the upper limit.
JUMP = [50, 52, 50, 52, 50, 52, 50, 52, 50, 80]
HOSTILE = "<script>alert(1)</script>"


def chart(result, **kwargs):
    kwargs = {"title": "Coverage by month", "chart_id": "coverage", **kwargs}
    return str(spc_chart(result, **kwargs))


def parse(svg):
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well formed


def markers(root, kind):
    return root.findall(f".//{SVG}g[@class='spc-point spc-point--{kind}']")


def test_chart_is_an_image_named_by_its_title_and_description():
    root = parse(chart(spc(MONTHS, JUMP)))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox") == "0 0 720 360"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert title.get("id") == "coverage-title"
    assert title.text == "Coverage by month"


def test_chart_has_no_inline_style_and_no_script():
    svg = chart(spc(MONTHS, JUMP, target=55, floor=0, ceiling=100))
    assert "style=" not in svg
    assert "<script" not in svg
    assert all(element.get("style") is None for element in parse(svg).iter())


def test_a_hostile_label_is_escaped():
    svg = chart(spc([*MONTHS[:-1], HOSTILE], JUMP), title=HOSTILE)
    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == HOSTILE
    assert HOSTILE in root.find(f"{SVG}desc").text
    assert HOSTILE in [text.text for text in root.iter(f"{SVG}text")]  # the latest month


def test_special_cause_points_differ_in_shape_as_well_as_colour():
    root = parse(chart(spc(MONTHS, JUMP)))
    (improvement,) = markers(root, "improvement")  # the 80
    assert improvement.find(f"{SVG}polygon").get("fill") == "#005eb8"  # a diamond
    assert improvement.find(f"{SVG}circle") is None
    concern = markers(root, "concern")  # 50s and 52s, all below the mean of 53.8
    assert len(concern) == 9
    assert all(m.find(f"{SVG}rect").get("fill") == "#e46c0a" for m in concern)  # squares
    assert all(m.find(f"{SVG}circle") is None for m in concern)


def test_common_cause_points_are_small_grey_circles():
    # 50, 55 ... 50, 80: mean 55, so no run; only the 80 is special.
    root = parse(chart(spc(MONTHS, [50, 55] * 4 + [50, 80])))
    common = markers(root, "common")
    assert len(common) == 9
    assert all(m.find(f"{SVG}circle").get("fill") == "#768692" for m in common)
    assert len(markers(root, "improvement")) == 1


def test_the_key_shows_each_shape_with_its_meaning():
    root = parse(chart(spc(MONTHS, JUMP)))
    key = root.findall(f".//{SVG}g[@class]")[-3:]
    assert [g.get("class") for g in key] == [
        "spc-key spc-key--common",
        "spc-key spc-key--improvement",
        "spc-key spc-key--concern",
    ]
    assert [child.tag for g in key for child in g] == [
        f"{SVG}circle",
        f"{SVG}polygon",
        f"{SVG}rect",
    ]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Common cause", "Special cause, improvement", "Special cause, concern"} <= set(texts)


def test_a_marker_names_its_month_and_the_rule_that_flagged_it():
    root = parse(chart(spc(MONTHS, JUMP)))
    (improvement,) = markers(root, "improvement")
    assert improvement.find(f"{SVG}title").text == (
        "Jan 2026: 80.0%, special cause, improvement (above the upper process limit)"
    )


def test_with_no_better_direction_special_cause_is_a_purple_triangle():
    root = parse(chart(spc(MONTHS, JUMP, higher_is_better=None)))
    neither = markers(root, "neither")
    assert neither
    assert all(m.find(f"{SVG}polygon").get("fill") == "#7030a0" for m in neither)
    assert not markers(root, "improvement")


def test_mean_is_solid_limits_dashed_and_the_target_dashed_differently_and_labelled():
    root = parse(chart(spc(MONTHS, JUMP, target=55)))
    texts = [text.text for text in root.iter(f"{SVG}text")]
    for label in ("Mean 53.8%", "Upper limit 59.1%", "Lower limit 48.5%", "Target 55.0%"):
        assert label in texts
    lines = root.findall(f"{SVG}line")
    by_colour: dict[str | None, set[str | None]] = {}
    for line in lines:
        by_colour.setdefault(line.get("stroke"), set()).add(line.get("stroke-dasharray"))
    assert by_colour["#212b32"] >= {None}  # the mean (and axes): solid
    assert by_colour["#425563"] == {"6 4"}  # both limits
    assert by_colour["#d5281b"] == {TARGET_DASH}  # the target, in a dash of its own
    assert TARGET_DASH != "6 4"


def test_a_gap_breaks_the_line():
    values: list[float | None] = [*JUMP]
    values[3] = None  # two stretches: Apr-Jun and Aug-Jan
    values[5] = None  # Aug stands alone between two gaps
    root = parse(chart(spc(MONTHS, values)))
    polylines = root.findall(f"{SVG}polyline")
    assert [len(p.get("points").split()) for p in polylines] == [3, 4]
    assert len(root.findall(f".//{SVG}g[@class]")) == 8 + 3  # a marker per value, and the key
    assert len(root.findall(f".//{SVG}g[@class]/{SVG}title")) == 8


def test_month_labels_that_would_overlap_are_thinned_keeping_the_latest():
    months = [f"Month {i:02d}" for i in range(36)]
    root = parse(chart(spc(months, [50, 52] * 18)))
    shown = [t.text for t in root.iter(f"{SVG}text") if t.text in months]
    assert "Month 35" in shown
    assert 4 < len(shown) < 36
    few = parse(chart(spc(MONTHS, JUMP)))
    assert {t.text for t in few.iter(f"{SVG}text")} >= {"Jan 2026", "Nov 2025", "Sep 2025"}


def test_y_axis_stays_between_floor_and_ceiling():
    root = parse(chart(spc(MONTHS, [96, 100, 94, 100, 96, 100, 94, 100, 96, 100], ceiling=100)))
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert ticks[-1] == "100%"
    assert "110%" not in ticks


def test_description_gives_mean_limits_verdict_special_cause_months_and_target():
    desc = parse(chart(spc(MONTHS, JUMP, target=60))).find(f"{SVG}desc").text
    assert "Mean 53.8%, process limits 48.5% to 59.1%, from 10 months." in desc
    assert "provisional" in desc  # fewer than 12 months
    assert "Variation: special cause improvement." in desc
    assert "Jan 2026: improvement (above the upper process limit)" in desc
    # 50 and 52 are all below the mean of 53.8, and the 50s near the lower limit.
    assert (
        "Apr 2025 to Dec 2025: concern (2 of 3 values near the lower process limit, "
        "a run of 9 below the mean)"
    ) in desc
    assert "Latest value 80.0% in Jan 2026. That meets the target of 60.0%." in desc
    assert "missed every month unless something changes" in desc  # 60 is above the limits


def test_description_of_a_common_cause_series_lower_is_better():
    result = spc(MONTHS, [50, 55] * 5, target=70, higher_is_better=False)
    desc = spc_description(result)
    assert "No month shows special cause variation." in desc
    assert "Variation: common cause, no sign of change." in desc
    assert "That meets the target of 70.0%." in desc
    assert "met every month unless something changes" in desc


def test_description_names_months_with_no_value():
    values: list[float | None] = [*JUMP]
    values[1] = None
    assert "No value for May 2025." in spc_description(spc(MONTHS, values))


def test_with_too_few_values_the_chart_has_no_limits_and_says_so():
    result = spc(MONTHS[:4], [50, None, 52, 51], target=60)
    svg = chart(result)
    root = parse(svg)
    desc = root.find(f"{SVG}desc").text
    assert "Not enough data for a mean and process limits: 3 of the 6 months needed" in desc
    assert "That is below the target of 60.0%." in desc
    assert "#425563" not in svg  # no limit lines
    assert "Mean " not in [t.text[:5] for t in root.iter(f"{SVG}text") if t.text]
    assert len(markers(root, "common")) == 3
    assert not root.findall(f".//{SVG}g[@class='spc-key spc-key--common']")  # nothing to key


def test_an_empty_series_still_draws_and_describes_itself():
    root = parse(chart(spc([], [])))
    assert "Not enough data" in root.find(f"{SVG}desc").text


# --- the table and the include -------------------------------------------------


def test_table_rows_round_for_display_and_say_why_a_month_is_special():
    values: list[float | None] = [*JUMP]
    values[1] = values[2] = None
    # 50 52 50 52 50 52 50 80: mean 436 / 8 = 54.5; moving ranges six 2s and
    # a 30 left out: 2; limits 54.5 ± 5.32.
    table = spc_table(spc(MONTHS, values), suppressed_labels={"May 2025"})
    may, jun, jul = table.rows[1:4]
    assert may.value == str(HIDDEN_SMALL) == "fewer than 5"
    assert jun.value == "No data"
    assert may.special_cause == jun.special_cause == ""
    assert jul.value == "52.0%"
    assert jul.mean == "54.5%"
    assert jul.limits == "49.2% to 59.8%"
    assert table.rows[-1].special_cause == (
        "Special cause, improvement: above the upper process limit"
    )
    assert table.variation == "special cause improvement"
    assert table.assurance == ""


def test_table_with_too_few_values_says_not_calculated():
    table = spc_table(spc(MONTHS[:2], [50, 52]))
    assert table.rows[0].mean == table.rows[0].limits == "Not calculated"
    assert table.rows[0].special_cause == "Not assessed"


@pytest.mark.parametrize("unit", ["%", "sessions"])
def test_units_follow_the_value(unit):
    table = spc_table(spc(MONTHS, JUMP), unit=unit)
    assert table.rows[0].value == ("50.0%" if unit == "%" else "50.0 sessions")


def test_include_shows_the_chart_in_a_card_then_the_table():
    labels = [HOSTILE, *MONTHS[1:]]
    values: list[float | None] = [*JUMP]
    values[2] = None
    result = spc(labels, values, target=60)
    html = render_to_string(
        "reports/includes/spc_chart.html",
        {
            "chart": spc_chart(result, title="Coverage", chart_id="coverage"),
            "table": spc_table(result, suppressed_labels={"Jun 2025"}),
            "caption": "Coverage by month",
        },
    )
    assert html.index('class="nhsuk-card"') < html.index("<svg") < html.index("<table")
    assert '<caption class="nhsuk-table__caption">Coverage by month</caption>' in html
    headers = ["Month", "Value", "Mean", "Process limits", "Special cause"]
    for header in headers:
        assert f">{header}</th>" in html
    assert "fewer than 5" in html
    assert "Variation: special cause improvement." in html
    assert "Target: it will be missed every month" in html
    assert "<script" not in html
    assert "style=" not in html
    assert html.count('<tr class="nhsuk-table__row">') == len(labels) + 1
