"""The NHS.UK design system's components as template tags: `{% load nhsuk %}`.

Each tag is named after an nhsuk-frontend component macro and takes that
macro's options as keyword arguments in snake_case:

    {% button text=_("Save") href=url secondary=True %}
    {% back_link href=url text=_("People") %}

A component that wraps content also has a block form, used when none of its
text options (`text`, `html`, ...) is given; the block is the macro's caller():

    {% inset_text %}<p>...</p>{% endinset_text %}
    {% card heading=name href=url %}<p>...</p>{% endcard %}

Options are escaped like any variable (`html` too, unless it is already safe);
a block is already-rendered template output. Options named `data_*` or
`aria_*` become attributes (`data_headline="x"` -> `data-headline="x"`), the
macros' `attributes`. An unknown option is a TemplateSyntaxError.

The markup is in templates/components/<tag>.html; the classes are worked out
in this package (base.py has the machinery). docs/components.md lists every
component with its options.
"""

from . import content, fields, navigation, tables  # noqa: F401 - each registers its tags
from .base import register

__all__ = ["register"]
