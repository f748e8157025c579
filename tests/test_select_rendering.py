"""kernel.renderers writes a select's and an input's markup in Python: it must be
what templates/django/forms/widgets/select.html, and Django's input.html, write,
to the character."""

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting, get_default_renderer
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from kernel.forms import Form
from kernel.renderers import (
    INPUT_TEMPLATES,
    SELECT_TEMPLATE,
    FormRenderer,
    Select,
    select_html,
    select_widget_html,
)

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


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"plain": "a&b", "grouped": "w2", "several": ["", "safe"], "answer": "true"},
        {"plain": "3", "answer": "unknown", "repeated": "1"},
        {"plain": "nothing like it", "several": ["3"], "answer": "false"},
    ],
)
def test_a_select_written_from_its_choices_is_what_its_template_writes(data):
    """kernel.renderers.Select (every plain select of a kernel.forms.Form) writes, from
    the choices straight, what Django's Select writes through the template."""

    class Ours(Form, Filters):
        repeated = forms.ChoiceField(choices=[("1", "One"), (1, "Again"), (None, "None")])

    ours, django = Ours(data or None), Filters(data or None)
    assert type(ours.fields["plain"].widget) is Select
    assert type(django.fields["plain"].widget) is forms.Select
    assert type(Ours.base_fields["plain"].widget) is forms.Select  # the class's own kept
    django.fields["repeated"] = Ours.base_fields["repeated"]
    for form in (ours, django):
        form.fields["plain"].widget.attrs.update({"class": "nhsuk-select", "data-off": False})
    for name in ("plain", "grouped", "disabled", "answer", "repeated"):
        assert str(ours[name]) == str(django[name]), name
        # NullBooleanField's widget is a Select of its own, left as it is.
        plain = name in ("plain", "grouped", "disabled", "repeated")
        assert (type(ours.fields[name].widget) is Select) == plain
    # One option chosen, the first whose value matches ("" is None's, with nothing given).
    repeated = str(ours["repeated"])
    assert repeated.count(" selected") == 1
    chosen = '"1" selected>One<' if data.get("repeated") else '"" selected>None<'
    assert chosen in repeated
    widget = ours.fields["plain"].widget
    written = select_widget_html(widget, "plain", "a&b", {})
    assert written is not None
    assert written.count(" selected") == 1
    # Groups are left to the template.
    assert select_widget_html(ours.fields["grouped"].widget, "grouped", "w1", {}) is None


def test_a_label_that_is_not_text_is_left_to_the_template():
    widget = forms.Select(choices=[(1, 1234567)])
    context = widget.get_context("n", 1, {})
    assert select_html(context) is None
    assert FormRenderer().render(SELECT_TEMPLATE, context) == TemplatesSetting().render(
        SELECT_TEMPLATE, context
    )


class Inputs(forms.Form):
    text = forms.CharField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    email = forms.EmailField(required=False)
    number = forms.IntegerField(required=False)
    password = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search"}), required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    moment = forms.DateTimeField(required=False)
    time = forms.TimeField(required=False)
    choice = forms.IntegerField(widget=forms.HiddenInput, required=False)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"text": 'Fish & "chips" <now>', "hidden": "a&b", "email": "x@example.org"},
        {"number": "12", "password": "p<w>", "search": "", "url": "http://a/?b=1&c=2"},
        {"date": "2026-03-29", "moment": "2026-10-25 01:30", "time": "01:30", "choice": "7"},
    ],
)
def test_an_input_is_written_as_its_template_writes_it(data):
    form = Inputs(data or None, initial={"text": mark_safe("<em>kept</em>"), "number": 0})
    form.fields["text"].widget.attrs.update(
        {"class": "nhsuk-input", "aria-describedby": 'x "y"', "data-off": False, "autofocus": True}
    )
    renderer = FormRenderer()
    assert isinstance(get_default_renderer(), FormRenderer)
    for name in form.fields:
        field = form[name]
        widget, attrs = field.field.widget, field.build_widget_attrs({"id": field.auto_id})
        assert widget.template_name in INPUT_TEMPLATES, name
        context = widget.get_context(field.html_name, field.value(), attrs)
        template = TemplatesSetting().render(widget.template_name, context)
        assert renderer.render(widget.template_name, context) == template, name
        assert widget.render(field.html_name, field.value(), attrs) == template, name


def test_every_input_template_named_is_djangos_include_of_input_html():
    """Were Django (or this site) to give one of them markup of its own, it would no
    longer be written by input_html."""
    from django.template.loader import get_template

    for name in INPUT_TEMPLATES:
        source = get_template(name).template.source.strip()  # type: ignore[attr-defined]
        assert source == '{% include "django/forms/widgets/input.html" %}', name
