"""Draw an SPC result (reports.spc) as an accessible SVG in the Making Data Count style.

The data line with a marker per value, the mean (solid), the process limits
(dashed) and any target (dash-dot, red), each labelled at its right-hand end.
Special cause points differ in colour (Making Data Count: blue improvement,
orange concern, purple neither, grey common cause) and also in shape (diamond,
square, triangle, small circle), with a key, so colour is never the only cue.
The <title> and <desc> say in words what the chart shows (reports.spc_words,
which also gives the rows of the table that always goes with the chart).
"""

import math

from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from supervision_site.svg import TEXT, svg_image, y_gridlines

from . import spc as s
from .spc_words import SPECIAL_CAUSE_WORDS, number, spc_description

WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 56, 136, 44, 40
PLOT_RIGHT, PLOT_BOTTOM = WIDTH - RIGHT, HEIGHT - BOTTOM
CHAR_WIDTH = 7  # a generous average width of a 12px character, to keep labels apart

LINE, MEAN, LIMIT, TARGET = "#4c6272", "#212b32", "#425563", "#d5281b"
LIMIT_DASH, TARGET_DASH = "6 4", "12 4 2 4"
COLOURS = {
    s.COMMON: "#768692",
    s.IMPROVEMENT: "#005eb8",
    s.CONCERN: "#e46c0a",
    s.NEITHER: "#7030a0",
}


class _Scale:
    """Where values and points go on the plot."""

    def __init__(self, result: s.SpcResult, count: int):
        known = [p.value for p in result.points if p.value is not None]
        known += [
            v for v in (result.mean, result.upper, result.lower, result.target) if v is not None
        ]
        lo, hi = (min(known), max(known)) if known else (0.0, 1.0)
        # A little room so that no point sits on the axis, short of impossible values.
        pad = (hi - lo) * 0.05
        lo, hi = s.clamp(lo - pad, result.floor, None), s.clamp(hi + pad, None, result.ceiling)
        self.ticks = _ticks(lo, hi, result.floor, result.ceiling)
        self.lo, self.hi = self.ticks[0], self.ticks[-1]
        self.count = count

    def y(self, value: float) -> float:
        share = (value - self.lo) / (self.hi - self.lo)
        return round(PLOT_BOTTOM - share * (PLOT_BOTTOM - TOP), 1)

    def x(self, index: int) -> float:
        return round(LEFT + (PLOT_RIGHT - LEFT) * (index + 0.5) / self.count, 1)


def _ticks(lo: float, hi: float, floor: float | None, ceiling: float | None) -> list[float]:
    """About five round-numbered ticks (steps of 1, 2, 2.5 or 5 times a power of ten)."""
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    raw = (hi - lo) / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start, end = math.floor(lo / step) * step, math.ceil(hi / step) * step
    ticks = [round(start + i * step, 9) for i in range(round((end - start) / step) + 1)]
    kept = [
        t
        for t in ticks
        if (floor is None or t >= floor - 1e-9) and (ceiling is None or t <= ceiling + 1e-9)
    ]
    return kept if len(kept) >= 2 else ticks


def _tick_label(value: float, ticks: list[float], unit: str) -> str:
    whole = all(float(t).is_integer() for t in ticks)
    text = formats.number_format(value, decimal_pos=0 if whole else 1)
    return f"{text}{unit}" if unit in ("", "%") else text


def _marker(
    x: float, y: float, category: str, tooltip: str = "", kind: str = "point"
) -> SafeString:
    """A point's marker (or, kind "key", the key's): shape and colour both give its category."""
    colour = COLOURS[category]
    if category == s.IMPROVEMENT:  # diamond
        shape = format_html(
            '<polygon points="{},{} {},{} {},{} {},{}" fill="{}" stroke="#ffffff"/>',
            *(x, y - 7, x + 7, y, x, y + 7, x - 7, y),
            colour,
        )
    elif category == s.CONCERN:  # square
        shape = format_html(
            '<rect x="{}" y="{}" width="12" height="12" fill="{}" stroke="#ffffff"/>',
            round(x - 6, 1),
            round(y - 6, 1),
            colour,
        )
    elif category == s.NEITHER:  # triangle
        shape = format_html(
            '<polygon points="{},{} {},{} {},{}" fill="{}" stroke="#ffffff"/>',
            *(x, y - 7, x + 7, y + 6, x - 7, y + 6),
            colour,
        )
    else:
        shape = format_html('<circle cx="{}" cy="{}" r="4" fill="{}"/>', x, y, colour)
    classes = f"spc-{kind} spc-{kind}--{category or 'common'}"
    if tooltip:
        return format_html('<g class="{}"><title>{}</title>{}</g>', classes, tooltip, shape)
    return format_html('<g class="{}">{}</g>', classes, shape)


def _legend(result: s.SpcResult) -> SafeString:
    """The key to the markers, across the top (none before there are enough values to judge)."""
    if result.mean is None:
        return SafeString("")
    categories: tuple[str, ...]
    if result.higher_is_better is None:
        categories = (s.COMMON, s.NEITHER)
    else:
        categories = (s.COMMON, s.IMPROVEMENT, s.CONCERN)
    items: list[SafeString] = []
    x: float = LEFT
    for category in categories:
        words = str(SPECIAL_CAUSE_WORDS[category]).capitalize()
        items.append(
            format_html(
                '{}<text x="{}" y="{}" font-size="12" fill="{}">{}</text>',
                _marker(x + 7, 18, category, kind="key"),
                x + 18,
                22,
                TEXT,
                words,
            )
        )
        x = round(x + 18 + 6.2 * len(words) + 24, 1)
    return format_html_join("", "{}", ((item,) for item in items))


def _reference_lines(result: s.SpcResult, scale: _Scale, unit: str) -> SafeString:
    """Mean, process limits and target, each labelled at its right-hand end."""
    lines = []  # (value, colour, dash, label)
    if result.mean is not None:
        lines.append((result.mean, MEAN, "", _("Mean %(value)s")))
    if result.upper is not None and result.lower is not None:  # the two come together
        lines.append((result.upper, LIMIT, LIMIT_DASH, _("Upper limit %(value)s")))
        lines.append((result.lower, LIMIT, LIMIT_DASH, _("Lower limit %(value)s")))
    if result.target is not None:
        lines.append((result.target, TARGET, TARGET_DASH, _("Target %(value)s")))
    # Labels of lines that are close together are pushed apart, keeping their order.
    placed = sorted(((scale.y(v), i) for i, (v, *_rest) in enumerate(lines)))
    label_y = {}
    previous = -math.inf
    for y, i in placed:
        previous = label_y[i] = max(y + 4, previous + 14)
    overflow = max([*label_y.values(), 0]) - (HEIGHT - 4)
    parts = []
    for i, (value, colour, dash, label) in enumerate(lines):
        y = scale.y(value)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"{}/>'
                '<text x="{}" y="{}" font-size="12" fill="{}">{}</text>',
                LEFT,
                y,
                PLOT_RIGHT,
                y,
                colour,
                2 if colour == TARGET else 1.5,
                format_html(' stroke-dasharray="{}"', dash) if dash else "",
                PLOT_RIGHT + 6,
                round(label_y[i] - max(overflow, 0), 1),
                colour,
                label % {"value": number(value, unit)},
            )
        )
    return format_html_join("", "{}", ((part,) for part in parts))


def _data(result: s.SpcResult, scale: _Scale, unit: str) -> SafeString:
    """The data line, broken at each missing value, and a marker per value."""
    segments: list[list[str]] = []
    current: list[str] = []
    for i, point in enumerate(result.points):
        if point.value is None:
            segments.append(current)
            current = []
        else:
            current.append(f"{scale.x(i)},{scale.y(point.value)}")
    segments.append(current)
    line = format_html_join(
        "",
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>',
        ((" ".join(segment), LINE) for segment in segments if len(segment) > 1),
    )
    markers = format_html_join(
        "",
        "{}",
        (
            (_marker(scale.x(i), scale.y(p.value), p.special_cause, _tooltip(p, unit)),)
            for i, p in enumerate(result.points)
            if p.value is not None
        ),
    )
    return format_html("{}{}", line, markers)


def _tooltip(point: s.SpcPoint, unit: str) -> str:
    if point.value is None:
        raise ValueError("Only a point with a value has a marker.")
    text = f"{point.label}: {number(point.value, unit)}"
    if point.special_cause:
        text += f", {SPECIAL_CAUSE_WORDS[point.special_cause]} ({'; '.join(point.rules)})"
    return text


def _x_axis(result: s.SpcResult, scale: _Scale) -> SafeString:
    """The axis line, a tick per point, and as many labels as fit (always the latest)."""
    count = len(result.points)
    widest = max((len(p.label) for p in result.points), default=0) * CHAR_WIDTH + 8
    every = max(1, math.ceil(widest / ((PLOT_RIGHT - LEFT) / max(count, 1))))
    ticks = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>',
        ((scale.x(i), PLOT_BOTTOM, scale.x(i), PLOT_BOTTOM + 5, TEXT) for i in range(count)),
    )
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{}">{}</text>',
        (
            (scale.x(i), PLOT_BOTTOM + 20, TEXT, p.label)
            for i, p in enumerate(result.points)
            if (count - 1 - i) % every == 0
        ),
    )
    return format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>{}{}',
        LEFT,
        PLOT_BOTTOM,
        PLOT_RIGHT,
        PLOT_BOTTOM,
        TEXT,
        ticks,
        labels,
    )


def spc_chart(result: s.SpcResult, *, title: str, unit: str = "%", chart_id: str) -> SafeString:
    """The SVG of `result`; `chart_id` must be unique on the page (it names the title and desc)."""
    scale = _Scale(result, max(len(result.points), 1))
    grid = y_gridlines(
        ((scale.y(t), _tick_label(t, scale.ticks, unit)) for t in scale.ticks),
        left=LEFT,
        right=PLOT_RIGHT,
    )
    body = format_html(
        "{}{}{}{}{}",
        grid,
        _x_axis(result, scale),
        _reference_lines(result, scale, unit),
        _data(result, scale, unit),
        _legend(result),
    )
    return svg_image(
        chart_id=chart_id,
        width=WIDTH,
        height=HEIGHT,
        title=title,
        desc=spc_description(result, unit=unit),
        body=body,
    )
