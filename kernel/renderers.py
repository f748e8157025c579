"""The form renderer: Django's templates (TemplatesSetting: templates/django/forms/
replaces Django's own), except that a select is written here.

A select's template loops over its options through the template engine: the
report's filters (about a hundred options) took 6 ms to render (bench/inprocess.py).
`select_html` writes the same markup as templates/django/forms/widgets/select.html,
to the character (tests/test_select_rendering.py holds the two equal); anything it
is not sure of (a label that is not text) goes to the template.
"""

from django.forms.renderers import TemplatesSetting
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData

SELECT_TEMPLATE = "django/forms/widgets/select.html"


def _text(value) -> bool:
    return isinstance(value, str | Promise)


def formatted(value) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe value safe."""
    text = "%s" % value  # noqa: UP031 - exactly what stringformat:'s' does
    return text if isinstance(value, SafeData) else escape(text)


def _attributes(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else f'="{formatted(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def select_html(context) -> str | None:
    """templates/django/forms/widgets/select.html for this context, or None."""
    widget = context["widget"]
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attributes(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            if not _text(group_name):
                return None
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            label = option["label"]
            if not _text(label):
                return None
            parts.append(
                f'\n  <option value="{formatted(option["value"])}"'
                f"{_attributes(option['attrs'])}>{conditional_escape(label)}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FormRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            html = select_html(context)
            if html is not None:
                return html
        return super().render(template_name, context, request)
