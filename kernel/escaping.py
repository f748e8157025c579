"""Escaping text for HTML as Django does, without its per-call costs (the
components and the form renderer write tables and selects of many cells and
options)."""

import html

from django.utils.functional import Promise
from django.utils.safestring import SafeString


def conditional_escape(value) -> SafeString:
    """django.utils.html.conditional_escape without keep_lazy's wrapper around
    escape(), which checked every argument for a lazy string on each call (a cell
    escapes its body once or twice): the same result."""
    if type(value) is SafeString:  # nearly every time in a table: already escaped
        return value
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return SafeString(html.escape(str(value)))
