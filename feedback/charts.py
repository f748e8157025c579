"""A tiny, accessible, server-side SVG line chart of one person's feelings over time.

No inline style (the content security policy forbids it): presentation
attributes only. The page shows the same figures as a table beside it.
"""

import datetime

from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from supervision_site.svg import TEXT, svg_image, y_gridlines

WIDTH, HEIGHT = 600, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40
BLUE = "#005eb8"


def _y(feeling: int) -> float:
    plot = HEIGHT - TOP - BOTTOM
    return round(TOP + plot * (5 - feeling) / 4, 1)


def _x(moment: datetime.datetime, start: datetime.datetime, end: datetime.datetime) -> float:
    plot = WIDTH - LEFT - RIGHT
    span = (end - start).total_seconds()
    if span <= 0:
        return round(LEFT + plot / 2, 1)
    return round(LEFT + plot * (moment - start).total_seconds() / span, 1)


def feelings_chart(points: list[tuple[datetime.datetime, int]], words: dict) -> SafeString:
    """`points` are (when, feeling 1-5), oldest first; `words` names each feeling."""
    title = _("How you have felt about work")
    if points:
        first, last = points[0], points[-1]
        desc = _(
            "%(count)s check-ins from %(start)s to %(end)s. "
            "The first was %(first)s and the latest %(last)s. The table below gives each one."
        ) % {
            "count": len(points),
            "start": formats.date_format(timezone.localtime(first[0]), "j F Y"),
            "end": formats.date_format(timezone.localtime(last[0]), "j F Y"),
            "first": words[first[1]],
            "last": words[last[1]],
        }
    else:
        desc = _("No check-ins yet.")
    grid = y_gridlines(((_y(v), str(v)) for v in range(1, 6)), left=LEFT, right=WIDTH - RIGHT)
    line = dots = axis = ""
    if points:
        start, end = points[0][0], points[-1][0]
        coordinates = [(_x(when, start, end), _y(feeling)) for when, feeling in points]
        line = format_html(
            '<polyline points="{}" fill="none" stroke="{}" stroke-width="3"/>',
            " ".join(f"{x},{y}" for x, y in coordinates),
            BLUE,
        )
        dots = format_html_join(
            "",
            '<circle cx="{}" cy="{}" r="5" fill="{}"/>',
            ((x, y, BLUE) for x, y in coordinates),
        )
        axis = format_html(
            '<text x="{}" y="{}" font-size="12" fill="{}">{}</text>'
            '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="{}">{}</text>',
            LEFT,
            HEIGHT - 12,
            TEXT,
            formats.date_format(timezone.localtime(start), "M Y"),
            WIDTH - RIGHT,
            HEIGHT - 12,
            TEXT,
            formats.date_format(timezone.localtime(end), "M Y"),
        )
    return svg_image(
        chart_id="wellbeing-chart",
        width=WIDTH,
        height=HEIGHT,
        title=title,
        desc=desc,
        body=format_html("{}{}{}{}", grid, line, dots, axis),
    )
