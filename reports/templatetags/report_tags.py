from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html

register = template.Library()


@register.filter
def figure(cell):
    """A report cell as text: the number, or "fewer than 5" when it is suppressed."""
    if cell is None:
        return ""
    if cell.hidden:
        return format_html('<span class="app-suppressed">{}</span>', cell.shown)
    value = cell.value
    if value is None:
        return "\u2013"  # an en dash: no figure
    if isinstance(value, float):
        return f"{value:,.1f}"
    return intcomma(value)


@register.simple_tag
def cycle_label(columns, index):
    """The label of column `index`, for the stacked layout on narrow screens."""
    return f"{columns[index][1]} "


@register.filter
def css_string(value) -> str:
    """`value` as the inside of a CSS double-quoted string (for a print header)."""
    out = []
    for char in str(value):
        if char.isalnum() or char in " ,.:;()-'/&%":
            out.append(char)
        else:
            out.append(f"\\{ord(char):x} ")
    return "".join(out)
