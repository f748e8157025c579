"""Shared pieces of our small server-side SVG charts (feedback.charts, reports.spc_chart).

Presentation attributes only, never a `style` attribute: the content security
policy forbids inline style. Everything goes through format_html, so any text
put in a chart is escaped.
"""

from collections.abc import Iterable

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

GRID, TEXT = "#d8dde0", "#212b32"


def svg_image(
    *, chart_id: str, width: int, height: int, title: str, desc: str, body: SafeString
) -> SafeString:
    """An <svg> that assistive technology reads as one image named by its title and desc.

    It scales to the width of its container (viewBox with width="100%"), so it
    also prints at the page width.
    """
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" '
        'role="img" aria-labelledby="{}-title {}-desc" focusable="false" class="app-chart" '
        "font-family=\"'Frutiger W01', Arial, sans-serif\">"
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        width,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        desc,
        body,
    )


def y_gridlines(ticks: Iterable[tuple[float, str]], *, left: float, right: float) -> SafeString:
    """A light line from `left` to `right` at each (y, label) tick, labelled on the left."""
    return format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="{}">{}</text>',
        ((left, y, right, y, GRID, left - 8, y + 4, TEXT, label) for y, label in ticks),
    )
