"""The form renderer: Django's templates (TemplatesSetting: templates/django/forms/
replaces Django's own), except that a select is written here.

A select's template loops over its options through the template engine: the
report's filters (about a hundred options) took 6 ms to render (bench/inprocess.py).
`select_html` writes the same markup as templates/django/forms/widgets/select.html,
to the character (tests/test_select_rendering.py holds the two equal); anything it
is not sure of (a label that is not text) goes to the template. `input_html` does
the same for Django's input.html.

`field_html` does the same for a whole field as the crispy pack lays it out
(templates/nhsuk/field.html: label, hint, error and widget in a form group), for
the fields a filter form is made of: the pack's template, with its includes,
cost a report page a quarter of its CPU (bench/inprocess.py). It writes the same
markup as the template, but for the whitespace between tags
(tests/test_field_rendering.py); any other field goes to the template.
"""

import html

from django import forms
from django.conf import settings
from django.forms.renderers import TemplatesSetting, get_default_renderer
from django.utils.functional import Promise
from django.utils.safestring import SafeData, SafeString
from django.utils.translation import gettext

from kernel.escaping import conditional_escape

SELECT_TEMPLATE = "django/forms/widgets/select.html"
# Django's templates of these widgets are each {% include "django/forms/widgets/input.html" %}.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in (
        "text", "hidden", "email", "number", "password", "search", "url", "tel", "date",
        "datetime", "time", "color",
    )
)  # fmt: skip


def _text(value) -> bool:
    return isinstance(value, str | Promise)


def formatted(value) -> str:
    """`{{ value|stringformat:'s' }}`: the filter keeps a safe value safe."""
    text = "%s" % value  # noqa: UP031 - exactly what stringformat:'s' does
    return text if isinstance(value, SafeData) else html.escape(text)


def _attributes(attrs: dict) -> str:
    """django/forms/widgets/attrs.html (an option's are nearly always none)."""
    if not attrs:
        return ""
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else f'="{formatted(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def _select_tag(name, attrs: dict) -> str:
    return f'<select name="{conditional_escape(name)}"{_attributes(attrs)}>'


def _option(value, attributes: str, label) -> str:
    """One <option> as select.html writes it (`attributes` already written)."""
    return (
        f'\n  <option value="{formatted(value)}"{attributes}>{conditional_escape(label)}</option>\n'
    )


def select_html(context) -> str | None:
    """templates/django/forms/widgets/select.html for this context, or None."""
    widget = context["widget"]
    parts = [_select_tag(widget["name"], widget["attrs"])]
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            if not _text(group_name):
                return None
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            label = option["label"]
            if not _text(label):
                return None
            parts.append(_option(option["value"], _attributes(option["attrs"]), label))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def select_widget_html(widget: forms.Select, name: str, value, attrs) -> str | None:
    """What `widget.render(name, value, attrs)` writes through this renderer
    (select_html), from the widget's choices straight; None where it is not sure
    (several values chosen, groups, a label that is not text), for the template.

    Django's get_context() makes a dict of a dozen entries for every option
    (optgroups, create_option) before select_html reads three of them: the
    report's filters, about a hundred options, spent a tenth of the page's CPU
    there (bench/inprocess.py). The option chosen is the first whose value, as
    text, is among the values given, as in optgroups()
    (tests/test_select_rendering.py holds the two equal)."""
    if widget.allow_multiple_selected or widget.option_inherits_attrs:
        return None
    chosen = widget.format_value(value)
    parts = [_select_tag(name, widget.build_attrs(widget.attrs, attrs))]
    found = False
    for option_value, label in widget.choices:
        if isinstance(label, list | tuple) or not _text(label):
            return None
        if option_value is None:
            option_value = ""
        selected = not found and str(option_value) in chosen
        found = found or selected
        parts.append(_option(option_value, " selected" if selected else "", label))
    parts.append("\n</select>")
    return "".join(parts)


class Select(forms.Select):
    """forms.Select written by select_widget_html when the site's renderer writes it
    (every select of a form here: kernel.forms.NHSErrors makes each form's plain
    selects this class); anything else as Django writes it."""

    def render(self, name, value, attrs=None, renderer=None):
        if isinstance(renderer or get_default_renderer(), FormRenderer):
            html = select_widget_html(self, name, value, attrs)
            if html is not None:
                return SafeString(html)
        return super().render(name, value, attrs, renderer)


def input_html(context) -> str:
    """django/forms/widgets/input.html (which text.html, hidden.html and the other
    inputs' templates include) for this context: a filter form's search box and
    hidden organisation went through three templates each."""
    widget = context["widget"]
    value = widget["value"]
    shown = "" if value is None else f' value="{formatted(value)}"'
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    return f'<input type="{kind}" name="{name}"{shown}{_attributes(widget["attrs"])}>'


class FormRenderer(TemplatesSetting):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            html = select_html(context)
            if html is not None:
                return html
        elif template_name in INPUT_TEMPLATES:
            return input_html(context)
        return super().render(template_name, context, request)


# Widgets field_html leaves to the template: those laid out in a fieldset or with
# their own label (radios, checkboxes, a date's parts), a file input, and any widget
# wrapping others.
_NOT_PLAIN = (forms.RadioSelect, forms.CheckboxInput, forms.FileInput, forms.MultiWidget)


def _nhsuk_classes(widget, *classes: str) -> None:
    """What {% crispy_field field "class" "..." %} does to the widget before the
    template renders it, kept on the widget as the tag keeps it: the widget's own
    class name (crispy's converters applied) and each of `classes` once."""
    name = type(widget).__name__.lower()
    name = getattr(settings, "CRISPY_CLASS_CONVERTERS", {}).get(name, name)
    css = widget.attrs.get("class", "")
    if not css:
        css = name
    elif css.find(name) == -1:
        css += f" {name}"
    for extra in classes:
        if extra not in css.split():
            css += f" {extra}"
    widget.attrs["class"] = css


def field_html(bound) -> SafeString | None:
    """`{{ bound|as_crispy_field }}` (templates/nhsuk/field.html and its includes) for a
    text input, select or textarea of a form without a crispy helper; None for any
    other field, which the template renders."""
    widget = bound.field.widget
    if (
        getattr(bound.form, "helper", None) is not None
        or bound.is_hidden
        or isinstance(widget, _NOT_PLAIN)
        or hasattr(widget, "widget")
        or bound.use_fieldset
    ):
        return None
    errors = bound.errors
    if isinstance(widget, forms.Select):
        kind = "nhsuk-select"
    elif "textarea" in bound.widget_type:
        kind = "nhsuk-textarea"
    else:
        kind = "nhsuk-input"
    _nhsuk_classes(widget, *((kind, f"{kind}--error") if errors else (kind,)))
    auto_id = bound.auto_id
    group = "nhsuk-form-group"
    if errors:
        group += " nhsuk-form-group--error"
    extra = bound.css_classes()
    if extra:
        group += f" {conditional_escape(extra)}"
    div_id = f' id="div_{conditional_escape(auto_id)}"' if auto_id else ""
    parts = [f'<div{div_id} class="{group}">']
    if bound.label:
        for_ = bound.id_for_label
        label_for = f' for="{conditional_escape(for_)}"' if for_ else ""
        parts.append(
            f'<label class="nhsuk-label"{label_for}>{conditional_escape(bound.label)}</label>'
        )
    help_text = bound.help_text
    if help_text:
        hint_id = f' id="{conditional_escape(auto_id)}_helptext"' if auto_id else ""
        parts.append(f'<div class="nhsuk-hint"{hint_id}>{help_text}</div>')
    if errors:
        error_id = f' id="{conditional_escape(auto_id)}_error"' if auto_id else ""
        listed = "<br>".join(conditional_escape(error) for error in errors)
        parts.append(
            f'<span class="nhsuk-error-message"{error_id}><span class="nhsuk-u-visually-hidden">'
            f"{conditional_escape(gettext('Error'))}: </span>{listed}</span>"
        )
    parts.append(str(bound))
    parts.append("</div>")
    return SafeString("\n".join(parts))
