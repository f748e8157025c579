"""kernel.renderers writes a select's markup in Python: it must be what
templates/django/forms/widgets/select.html writes, to the character."""

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from kernel.renderers import SELECT_TEMPLATE, FormRenderer, select_html

CHOICES = [
    ("", "All of them"),
    ("a&b", 'Fish & "chips" <now>'),
    (3, gettext_lazy("Band 5")),
    ("safe", mark_safe("<em>kept</em>")),
]
GROUPED = [
    ("Wards <north>", [("w1", "Ward 1"), ("w2", "Ward 2")]),
    ("", "No ward"),
    ("Clinics", [("c1", "Clinic & co")]),
]


class Filters(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, required=False)
    grouped = forms.ChoiceField(choices=GROUPED, required=False)
    several = forms.MultipleChoiceField(choices=CHOICES, required=False)
    disabled = forms.ChoiceField(choices=CHOICES, disabled=True)
    answer = forms.NullBooleanField()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"plain": "a&b", "grouped": "w2", "several": ["", "safe"], "answer": "true"},
        {"plain": "nothing like it", "several": ["3"], "answer": "false"},
    ],
)
def test_a_select_is_written_as_its_template_writes_it(data):
    form = Filters(data or None)
    form.fields["plain"].widget.attrs.update(
        {"class": "nhsuk-select", "aria-describedby": 'x "y"', "data-off": False, "autofocus": True}
    )
    for name in form.fields:
        field = form[name]
        widget, attrs = field.field.widget, field.build_widget_attrs({"id": field.auto_id})
        context = widget.get_context(field.html_name, field.value(), attrs)
        ours = select_html(context)
        assert ours is not None
        assert ours == TemplatesSetting().render(SELECT_TEMPLATE, context), name
        # The site's renderer (settings.FORM_RENDERER) is the one that writes it.
        assert isinstance(get_default_renderer(), FormRenderer)
        assert widget.render(field.html_name, field.value(), attrs) == ours


def test_a_label_that_is_not_text_is_left_to_the_template():
    widget = forms.Select(choices=[(1, 1234567)])
    context = widget.get_context("n", 1, {})
    assert select_html(context) is None
    assert FormRenderer().render(SELECT_TEMPLATE, context) == TemplatesSetting().render(
        SELECT_TEMPLATE, context
    )
