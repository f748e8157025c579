"""kernel.renderers.field_html (`{{ field|nhsuk_field }}`) writes what the crispy pack's
templates/nhsuk/field.html writes for the same field, but for the whitespace between
tags; and leaves every other field to the template."""

import re

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.template import engines
from django.utils.translation import gettext_lazy as _lazy

from kernel.renderers import field_html


def between_tags(html: str) -> str:
    """The markup with the whitespace between tags taken out (the template's
    indentation and blank lines); text and attributes stay as they are."""
    return re.sub(r">\s+<", "><", str(html).strip())


class Plain(forms.Form):
    q = forms.CharField(label="Search", required=False, help_text="Name or <b>number</b>")
    department = forms.ChoiceField(
        label=_lazy("Department"),
        choices=[("", "Any"), ("1", "A & E"), ("Wards", [("2", 'Ward "2"')])],
        required=False,
    )
    count = forms.IntegerField(label="How many <sessions>", min_value=1)
    notes = forms.CharField(widget=forms.Textarea, required=False, help_text=_lazy("Optional"))
    email = forms.EmailField(widget=forms.EmailInput(attrs={"class": "wide nhsuk-input"}))
    month = forms.CharField(widget=forms.TextInput(attrs={"type": "month"}), required=False)
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    unlabelled = forms.CharField(label="", required=False)

    def clean_notes(self):
        if self.cleaned_data["notes"] == "twice":
            raise forms.ValidationError(["First <problem>", "Second problem"])
        return self.cleaned_data["notes"]


class Marked(Plain):
    required_css_class = "app-required"
    error_css_class = "app-error"


FORMS = [
    lambda: Plain(),
    lambda: Plain({"q": "x<y", "department": "2", "count": "abc", "notes": "twice"}),
    lambda: Plain({"q": "", "department": "9", "count": "0", "email": "no", "several": ["a"]}),
    lambda: Plain({"count": "3", "email": "a@b.example"}, auto_id=False),
    lambda: Plain({"count": "3"}, prefix="f", auto_id="field-%s"),
    lambda: Marked({"count": ""}),
]


@pytest.mark.parametrize("make", FORMS)
def test_plain_fields_are_written_as_the_template_writes_them(make):
    ours, template = make(), make()
    ours.is_valid(), template.is_valid()
    for name in ours.fields:
        for _ in range(2):  # the widget keeps its classes: a second rendering is the same
            html = field_html(ours[name])
            assert html is not None, name
            assert between_tags(html) == between_tags(as_crispy_field(template[name])), name


def test_errors_hint_and_classes_are_in_the_markup():
    form = Plain({"count": "abc", "notes": "twice"})
    form.is_valid()
    count = str(field_html(form["count"]))
    assert 'class="nhsuk-form-group nhsuk-form-group--error"' in count
    assert 'class="numberinput nhsuk-input nhsuk-input--error"' in count
    assert "How many &lt;sessions&gt;" in count
    assert 'aria-describedby="id_count_error"' in count
    notes = str(field_html(form["notes"]))
    assert "First &lt;problem&gt;<br>Second problem" in notes
    assert '<div class="nhsuk-hint" id="id_notes_helptext">Optional</div>' in notes
    assert 'class="textarea nhsuk-textarea nhsuk-textarea--error"' in notes


class Others(forms.Form):
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    topics = forms.MultipleChoiceField(
        choices=[("a", "A")], widget=forms.CheckboxSelectMultiple, required=False
    )
    agreed = forms.BooleanField(required=False)
    upload = forms.FileField(required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    when = forms.SplitDateTimeField(required=False)


def test_other_fields_are_left_to_the_template():
    form = Others({"kind": "c"})
    form.is_valid()
    for name in form.fields:
        assert field_html(form[name]) is None, name


def test_a_form_with_a_crispy_helper_is_left_to_the_template():
    form = Plain()
    form.helper = FormHelper()  # type: ignore[attr-defined]
    assert field_html(form["q"]) is None


def test_the_filter_renders_either_way():
    form = Others({"kind": "c", "secret": "s"})
    form.is_valid()
    template = engines["django"].from_string(
        "{% load nhsuk %}{{ form.q|nhsuk_field }}{{ form.kind|nhsuk_field }}"
        "{{ form.secret|nhsuk_field }}"
    )
    plain = Plain({"q": "<x>"})
    html = template.render(
        {"form": {"q": plain["q"], "kind": form["kind"], "secret": form["secret"]}}
    )
    assert between_tags(html) == between_tags(
        str(field_html(Plain({"q": "<x>"})["q"]))
        + as_crispy_field(Others({"kind": "c"})["kind"])
        + as_crispy_field(form["secret"])
    )
    assert 'value="&lt;x&gt;"' in html
    assert "nhsuk-radios" in html


def _fields_as_the_template_writes_them(response, key: str) -> None:
    """Each visible field of the page's form `key` is in the page as the crispy pack's
    template would have written it."""
    assert response.status_code == 200
    page = between_tags(response.content.decode())
    form = response.context[key]
    fields = form.visible_fields()
    assert fields
    for bound in fields:
        assert between_tags(as_crispy_field(bound)) in page, bound.name


@pytest.mark.parametrize(
    ("who", "url", "query", "key"),
    [
        (
            "programme_admin",
            "supervision:people",
            {"department": "abc", "q": "<b>"},
            "filter_form",
        ),
        ("programme_admin", "supervision:people", {}, "filter_form"),
        ("programme_admin", "audit:log", {"action": "x" * 300}, "filter_form"),
        ("supervisee", "supervision:supervisors", {"programme": "abc"}, "filter_form"),
        (
            "wellbeing_lead",
            "reports:engagement",
            {"department": "999999", "first_month": "x"},
            "form",
        ),
        ("wellbeing_lead", "reports:engagement", {}, "form"),
        ("supervisee", "feedback:ideas", {"status": "nonsense"}, "filter_form"),
    ],
)
def test_the_filter_forms_fields_are_written_as_the_template_writes_them(
    request, client, who, url, query, key
):
    from django.urls import reverse

    client.force_login(request.getfixturevalue(who))
    _fields_as_the_template_writes_them(client.get(reverse(url), query), key)


def test_the_idea_form_with_errors_is_written_as_the_template_writes_it(client, supervisee):
    from django.urls import reverse

    client.force_login(supervisee)
    response = client.post(reverse("feedback:idea_add"), {"title": ""})
    _fields_as_the_template_writes_them(response, "form")
