"""Around form fields: fieldset, error summary, date input (the fields themselves are
the crispy pack's, templates/nhsuk/)."""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kernel.renderers import field_html, formatted

from .base import component, conditional_escape, css_classes, one_of, register, rendered


@component(block=True, body=())
def fieldset(
    *,
    content="",
    legend="",
    legend_size="",
    legend_classes="",
    described_by="",
    role="",
    classes="",
    id="",
):
    """A fieldset whose legend groups its block's fields."""
    one_of(legend_size, ("s", "m", "l", "xl"), "legend_size")
    return {
        "classes": css_classes("nhsuk-fieldset", classes),
        "legend": legend,
        "legend_classes": css_classes(
            "nhsuk-fieldset__legend",
            legend_size and f"nhsuk-fieldset__legend--{legend_size}",
            legend_classes,
        ),
        "described_by": described_by,
        "role": role,
        "content": content,
        "id": id,
    }


def _error_href(bound) -> str:
    """Where an error summary link takes the reader: the field's first input (a
    date's first wrong box)."""
    widget = bound.field.widget
    if isinstance(widget, forms.RadioSelect):  # CheckboxSelectMultiple too
        if not bound.subwidgets:  # nothing to choose from: the group that says so
            return f"div_{bound.auto_id}"
        # The first option has the field's own id (templates/nhsuk/layout/choices.html).
        return widget.attrs.get("id") or bound.auto_id
    if bound.use_fieldset:  # a date: its first wrong box, else its day
        parts = bound.subwidgets[0].data.get("subwidgets") or [{}]
        faulty: set[str] = getattr(bound.value(), "faulty", set())
        wrong = [p for p in parts if any(p["name"].endswith(f"_{k}") for k in faulty)]
        return (wrong or parts)[0].get("attrs", {}).get("id") or bound.auto_id
    return bound.id_for_label or bound.auto_id


def form_error_list(form) -> list[dict]:
    """A form's errors for the error summary, each a link to the field it is about.
    An error about the whole form (or a hidden field) links to its first field, as
    the design system asks every error in the summary to link somewhere."""
    fields = form.visible_fields()
    first = {"href": f"#{_error_href(fields[0])}"} if fields else {}
    items = [{"text": error, **first} for error in form.non_field_errors()]
    items += [{"text": e, **first} for hidden in form.hidden_fields() for e in hidden.errors]
    for bound in fields:
        items += [{"text": error, "href": f"#{_error_href(bound)}"} for error in bound.errors]
    return items


@component()
def error_summary(
    *,
    form=None,
    formset=None,
    error_list=(),
    heading="",
    description="",
    disable_auto_focus=None,
    classes="",
    id="",
):
    """The summary at the top of a form with errors: `form`'s, `formset`'s or `error_list`'s
    ({"text", "href"} each). Nothing when there are none."""
    items = list(error_list)
    if formset is not None:
        items += [{"text": error} for error in formset.non_form_errors()]
        for each in formset:
            items += form_error_list(each)
    if form is not None:
        items += form_error_list(form)
    return {
        "items": items,
        "classes": css_classes("nhsuk-error-summary", classes),
        "heading": heading or _("There is a problem"),
        "description": description,
        "disable_auto_focus": disable_auto_focus,
        "id": id,
    }


# --- Date input ---------------------------------------------------------------------

LEGEND_SIZES = ("xl", "l", "m", "s")
DATE_PARTS = {"day": (_lazy("Day"), 2), "month": (_lazy("Month"), 2), "year": (_lazy("Year"), 4)}


def _date_items(field, errors: bool) -> list[dict]:
    """The boxes (or selects) of a field whose widget has several parts."""
    value = field.value()
    faulty = getattr(value, "faulty", None) if errors else set()
    parts = field.subwidgets[0].data["subwidgets"]
    items = []
    for number, part in enumerate(parts, start=1):
        kind = next((k for k in DATE_PARTS if part["name"].endswith(f"_{k}")), None)
        label, width = DATE_PARTS[kind] if kind else (f"{field.label} ({number})", None)
        error = errors and (faulty is None or kind in faulty)
        attrs = part["attrs"]
        items.append(
            {
                "hidden": part.get("is_hidden", False),
                "name": part["name"],
                "id": attrs.get("id", ""),
                "label": label,
                "value": "" if part["value"] is None else part["value"],
                "type": part.get("type") or "text",
                "options": [o for _, group, _ in part.get("optgroups", ()) for o in group],
                "error": error,
                "classes": css_classes(
                    "nhsuk-input",
                    "nhsuk-date-input__input",
                    width and f"nhsuk-input--width-{width}",
                    error and "nhsuk-input--error",
                ),
                "attributes": [
                    (name, value)
                    for name, value in attrs.items()
                    if name not in ("id", "class", "aria-invalid") and value is not False
                ],
            }
        )
    return items


@component()
def date_input(
    *,
    field,
    hint="",
    legend_size="",
    classes="",
    form_group_classes="",
    label_class="",
    show_label=True,
    show_errors=True,
):
    """A date field (a kernel.widgets.DateInput, or any widget in parts) as the NHS.UK
    date input: its label is the legend, its help text (or the widget's example) the
    hint. `label_class`, `show_label` and `show_errors` are the crispy pack's
    settings (label_class="nhsuk-label--m" sizes the legend)."""
    legend_size = legend_size or next(
        (size for size in LEGEND_SIZES if f"nhsuk-label--{size}" in (label_class or "")), ""
    )
    one_of(legend_size, LEGEND_SIZES, "legend_size")
    errors = list(field.errors) if show_errors else []
    hint = hint or field.help_text or getattr(field.field.widget, "hint", "")
    auto_id = field.auto_id
    hint_id, error_id = f"{auto_id}_helptext", f"{auto_id}_error"
    return {
        "form_group_id": auto_id and f"div_{auto_id}",
        "form_group_classes": css_classes(
            "nhsuk-form-group",
            errors and "nhsuk-form-group--error",
            form_group_classes,
            field.css_classes(),
        ),
        "described_by": " ".join(
            id_ for id_, shown in ((hint_id, hint), (error_id, errors)) if shown and auto_id
        ),
        "legend": field.label,
        "legend_classes": css_classes(
            "nhsuk-fieldset__legend",
            legend_size and f"nhsuk-fieldset__legend--{legend_size}",
            show_label is False and "nhsuk-u-visually-hidden",
        ),
        "hint": mark_safe(hint) if hint == field.help_text else hint,  # noqa: S308 - help text is the form's own, shown unescaped like every field's
        "hint_id": hint_id,
        "errors": errors,
        "error_id": error_id,
        "classes": css_classes("nhsuk-date-input", classes),
        "id": auto_id,
        "items": _date_items(field, bool(errors)),
    }


# The radios or checkboxes of templates/nhsuk/layout/choices.html. A {% for %} over
# the options wrote each through the template engine: two dozen times to book cost
# more than the rest of the booking page's form. Written here, the same markup
# (tests/test_template_pack.py holds the two equal).
_NOT_WRITTEN_AGAIN = frozenset({"id", "class", "name", "type", "value", "aria-invalid"})


@register.simple_tag
def choice_items(field, kind: str, first_id: str = "") -> SafeString:
    """{% choice_items field kind first_id %}: each option of a RadioSelect or
    CheckboxSelectMultiple as an nhsuk-frontend radios or checkboxes item; the first
    takes `first_id` (the field's own id, which the error summary links to)."""
    items = []
    for index, option in enumerate(field.subwidgets):
        data = option.data
        attrs = data["attrs"]
        id_ = attrs.get("id")
        if id_:
            id_ = first_id if index == 0 and first_id else id_
        value = data["value"]
        others = "".join(
            f" {conditional_escape(name)}" + ("" if given is True else f'="{formatted(given)}"')
            for name, given in attrs.items()
            if name not in _NOT_WRITTEN_AGAIN and given is not False and given is not None
        )
        items.append(
            f'\n      <div class="nhsuk-{kind}__item">\n'
            f'        <input class="nhsuk-{kind}__input"'
            + (f' id="{conditional_escape(id_)}"' if id_ else "")
            + f' name="{conditional_escape(data["name"])}"'
            + f' type="{conditional_escape(data["type"])}"'
            + (f' value="{formatted(value)}"' if value is not None else "")
            + f"{others}>\n"
            f'        <label class="nhsuk-label nhsuk-{kind}__label"'
            + (f' for="{conditional_escape(id_)}"' if id_ else "")
            + f">{conditional_escape(option.choice_label)}</label>\n"
            "      </div>\n      "
        )
    return rendered("".join(items))


@register.filter
def nhsuk_field(bound) -> SafeString:
    """`{{ field|nhsuk_field }}`: what `{{ field|as_crispy_field }}` renders, written in
    Python for a text input, select or textarea (kernel.renderers.field_html) and by
    the crispy pack's template for any other field."""
    html = field_html(bound)
    return as_crispy_field(bound) if html is None else html
