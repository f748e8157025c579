"""The `nhsuk` crispy-forms template pack and the allauth page overrides.

Forms are rendered through `{% crispy form %}` and `{{ form|crispy }}` and the
output is parsed, so these tests check the NHS.UK markup itself: the error
summary and its links, error and hint ids wired up with aria-describedby,
fieldsets and legends for radios and checkboxes, labels pointing at inputs,
and submitted values surviving a failed submission.
"""

import datetime

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Button, Div, Fieldset, Layout, Submit
from django import forms
from django.template import engines
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _lazy

from .html import describedby, parse


def render(template_code, **context):
    return engines["django"].from_string(template_code).render(context)


def render_crispy(form):
    return render("{% load crispy_forms_tags %}{% crispy form %}", form=form)


def render_filter(form):
    return render("{% load crispy_forms_tags %}{{ form|crispy }}", form=form)


class SupervisionNoteForm(forms.Form):
    name = forms.CharField(help_text="As it appears on your staff card")
    email = forms.EmailField()
    profession = forms.ChoiceField(
        choices=[("", "Choose a profession"), ("nurse", "Nurse"), ("ahp", "Allied health")]
    )
    kind = forms.ChoiceField(
        choices=[("one", "One-to-one"), ("group", "Group")],
        widget=forms.RadioSelect,
        help_text="Select one option",
    )
    topics = forms.MultipleChoiceField(
        choices=[("caseload", "Caseload"), ("wellbeing", "Wellbeing"), ("learning", "Learning")],
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply",
    )
    agreed = forms.BooleanField(
        label="I agree to the supervision contract", help_text="You can change this later"
    )
    notes = forms.CharField(widget=forms.Textarea, help_text="Do not include patient details")
    # <input type="date"> needs ISO values; the en-GB default format would be dropped.
    held_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("notes") == "conflict":
            raise forms.ValidationError("These notes clash with another session")
        return cleaned


VALID = {
    "name": "Sam Smith",
    "email": "sam@example.com",
    "profession": "nurse",
    "kind": "group",
    "topics": ["wellbeing", "learning"],
    "agreed": "on",
    "notes": "Talked about workload",
    "held_on": "2024-03-05",
}


def invalid_form():
    """Errors on name, email, kind, topics and agreed; values kept on the rest."""
    return SupervisionNoteForm(
        data={
            "name": "",
            "email": "not-an-email",
            "profession": "ahp",
            "notes": "conflict",
            "held_on": "2024-03-05",
        }
    )


# --- Error summary ------------------------------------------------------------


@pytest.mark.parametrize("renderer", [render_crispy, render_filter], ids=["tag", "filter"])
def test_error_summary_links_every_field_error_to_its_input(renderer):
    doc = parse(renderer(invalid_form()))

    summaries = doc.find_all("div", cls="nhsuk-error-summary")
    assert len(summaries) == 1
    summary = summaries[0]
    assert summary.attrs["data-module"] == "nhsuk-error-summary"
    alert = summary.find("div", role="alert")
    assert alert.find("h2", cls="nhsuk-error-summary__heading").text == "There is a problem"

    links = alert.find("ul", cls="nhsuk-error-summary__list").find_all("a")
    hrefs = [link.attrs["href"] for link in links]
    # The form's own error ("These notes clash...") first, linked to its first field.
    assert hrefs == ["#id_name", "#id_name", "#id_email", "#id_kind", "#id_topics", "#id_agreed"]
    assert links[2].text == "Enter a valid email address."
    for href in hrefs:
        target = doc.by_id(href[1:])
        assert target.tag == "input"


def test_error_summary_links_an_error_about_the_whole_form_to_its_first_field():
    form = SupervisionNoteForm(data={**VALID, "notes": "conflict"})
    doc = parse(render_crispy(form))

    items = doc.find("ul", cls="nhsuk-error-summary__list").find_all("li")
    assert [item.text for item in items] == ["These notes clash with another session"]
    assert items[0].find("a").attrs["href"] == "#id_name"


@pytest.mark.parametrize("renderer", [render_crispy, render_filter], ids=["tag", "filter"])
def test_no_error_summary_or_error_styles_without_errors(renderer):
    for form in (SupervisionNoteForm(), SupervisionNoteForm(data=VALID)):
        html = renderer(form)
        assert "nhsuk-error-summary" not in html
        assert "nhsuk-form-group--error" not in html
        assert "nhsuk-error-message" not in html


def test_error_summary_comes_before_the_form():
    html = render_crispy(invalid_form())
    assert html.index('class="nhsuk-error-summary"') < html.index("<form")


def test_error_summary_tag_on_its_own():
    html = render("{% load nhsuk %}{% error_summary form=form %}", form=invalid_form())
    doc = parse(html)
    assert doc.find("div", cls="nhsuk-error-summary")
    assert [a.attrs["href"] for a in doc.find_all("a")][:3] == ["#id_name", "#id_name", "#id_email"]
    assert (
        render("{% load nhsuk %}{% error_summary form=form %}", form=SupervisionNoteForm()).strip()
        == ""
    )


# --- Text inputs: label, hint, error, aria-describedby ------------------------


@pytest.mark.parametrize("renderer", [render_crispy, render_filter], ids=["tag", "filter"])
def test_text_input_with_error_and_hint(renderer):
    doc = parse(renderer(invalid_form()))

    group = doc.by_id("div_id_name")
    assert "nhsuk-form-group" in group.classes
    assert "nhsuk-form-group--error" in group.classes

    label = group.find("label", cls="nhsuk-label")
    assert label.attrs["for"] == "id_name"
    assert label.text == "Name"

    hint = doc.by_id("id_name_helptext")
    assert "nhsuk-hint" in hint.classes
    assert hint.text == "As it appears on your staff card"

    error = doc.by_id("id_name_error")
    assert error.tag == "span"
    assert "nhsuk-error-message" in error.classes
    hidden = error.find("span", cls="nhsuk-u-visually-hidden")
    assert hidden.text == "Error:"
    assert error.text == "Error: This field is required."

    field = doc.by_id("id_name")
    assert field.tag == "input"
    assert field.parent is group
    assert {"nhsuk-input", "nhsuk-input--error"} <= set(field.classes)
    assert describedby(field) == ["id_name_helptext", "id_name_error"]
    assert field.attrs["aria-invalid"] == "true"
    assert "required" in field.attrs


def test_input_without_error_has_no_error_markup():
    doc = parse(render_crispy(invalid_form()))
    group = doc.by_id("div_id_held_on")
    assert "nhsuk-form-group--error" not in group.classes
    field = doc.by_id("id_held_on")
    assert "nhsuk-input" in field.classes
    assert "nhsuk-input--error" not in field.classes
    assert "aria-invalid" not in field.attrs


def test_submitted_values_are_kept_after_errors():
    doc = parse(render_crispy(invalid_form()))

    assert doc.by_id("id_email").attrs["value"] == "not-an-email"
    selected = [o for o in doc.by_id("id_profession").find_all("option") if "selected" in o.attrs]
    assert [o.attrs["value"] for o in selected] == ["ahp"]
    assert doc.by_id("id_notes").text == "conflict"
    assert doc.by_id("id_held_on").attrs["value"] == "2024-03-05"


def test_checked_choices_are_kept_after_errors():
    form = SupervisionNoteForm(data={**VALID, "name": ""})
    doc = parse(render_crispy(form))

    radios = doc.find_all("input", type="radio")
    assert [r.attrs["value"] for r in radios if "checked" in r.attrs] == ["group"]
    boxes = doc.find_all("input", type="checkbox", name="topics")
    assert [b.attrs["value"] for b in boxes if "checked" in b.attrs] == ["wellbeing", "learning"]
    assert "checked" in doc.by_id("id_agreed").attrs


def test_every_visible_control_has_a_label_pointing_at_it():
    doc = parse(render_crispy(invalid_form()))
    controls = [
        node
        for node in doc.iter()
        if node.tag in {"input", "select", "textarea"}
        and node.attrs.get("type") not in {"hidden", "submit", "button"}
    ]
    assert len(controls) == 11
    label_targets = [label.attrs.get("for") for label in doc.find_all("label")]
    ids = [node.attrs.get("id") for node in doc.iter() if node.attrs.get("id")]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for control in controls:
        assert control.attrs["id"] in label_targets


def test_select_and_textarea_classes():
    doc = parse(render_crispy(invalid_form()))
    assert "nhsuk-select" in doc.by_id("id_profession").classes
    assert "nhsuk-select--error" not in doc.by_id("id_profession").classes
    notes = doc.by_id("id_notes")
    assert notes.tag == "textarea"
    assert "nhsuk-textarea" in notes.classes
    assert describedby(notes) == ["id_notes_helptext"]

    form = SupervisionNoteForm(data={**VALID, "profession": ""})
    select = parse(render_crispy(form)).by_id("id_profession")
    assert {"nhsuk-select", "nhsuk-select--error"} <= set(select.classes)


def test_date_input_is_an_nhs_input_of_type_date():
    doc = parse(render_crispy(SupervisionNoteForm(initial={"held_on": datetime.date(2024, 1, 9)})))
    field = doc.by_id("id_held_on")
    assert field.attrs["type"] == "date"
    assert "nhsuk-input" in field.classes
    assert field.attrs["value"] == "2024-01-09"
    assert doc.find("label", for_="id_held_on").text == "Held on"


# --- Radios and checkboxes: fieldset and legend -------------------------------


def test_radios_are_a_fieldset_with_legend_hint_and_error():
    doc = parse(render_crispy(invalid_form()))

    group = doc.by_id("div_id_kind")
    assert "nhsuk-form-group--error" in group.classes
    fieldset = group.find("fieldset", cls="nhsuk-fieldset")
    legend = fieldset.children[0]
    assert legend.tag == "legend"
    assert "nhsuk-fieldset__legend" in legend.classes
    assert legend.text == "Kind"
    assert describedby(fieldset) == ["id_kind_helptext", "id_kind_error"]
    assert doc.by_id("id_kind_helptext").ancestor("fieldset") is fieldset
    assert doc.by_id("id_kind_error").text == "Error: This field is required."

    container = fieldset.find("div", cls="nhsuk-radios")
    assert container.attrs["data-module"] == "nhsuk-radios"
    items = container.find_all("div", cls="nhsuk-radios__item")
    assert len(items) == 2
    for item, (value, text) in zip(items, [("one", "One-to-one"), ("group", "Group")], strict=True):
        radio = item.find("input", cls="nhsuk-radios__input")
        assert radio.attrs["type"] == "radio"
        assert radio.attrs["name"] == "kind"
        assert radio.attrs["value"] == value
        label = item.find("label", cls="nhsuk-radios__label")
        assert label.attrs["for"] == radio.attrs["id"]
        assert label.text == text
    # The first radio carries the field's id, so the error summary link lands on it.
    assert [i.find("input").attrs["id"] for i in items] == ["id_kind", "id_kind_1"]


def test_checkboxes_are_a_fieldset_with_legend():
    doc = parse(render_filter(invalid_form()))

    fieldset = doc.by_id("div_id_topics").find("fieldset", cls="nhsuk-fieldset")
    assert fieldset.find("legend", cls="nhsuk-fieldset__legend").text == "Topics"
    assert describedby(fieldset) == ["id_topics_helptext", "id_topics_error"]
    container = fieldset.find("div", cls="nhsuk-checkboxes")
    boxes = container.find_all("input", cls="nhsuk-checkboxes__input")
    assert [b.attrs["value"] for b in boxes] == ["caseload", "wellbeing", "learning"]
    assert all(b.attrs["type"] == "checkbox" for b in boxes)
    for box in boxes:
        assert container.find("label", for_=box.attrs["id"]).classes == [
            "nhsuk-label",
            "nhsuk-checkboxes__label",
        ]


def test_single_checkbox_for_a_boolean_field():
    doc = parse(render_crispy(invalid_form()))

    group = doc.by_id("div_id_agreed")
    assert "nhsuk-form-group--error" in group.classes
    item = group.find("div", cls="nhsuk-checkboxes").find("div", cls="nhsuk-checkboxes__item")
    box = item.find("input")
    assert box.attrs["id"] == "id_agreed"
    assert box.attrs["type"] == "checkbox"
    assert "nhsuk-checkboxes__input" in box.classes
    assert item.find("label", for_="id_agreed").text == "I agree to the supervision contract"
    assert describedby(box) == ["id_agreed_helptext", "id_agreed_error"]
    assert doc.by_id("id_agreed_error").text == "Error: This field is required."


# --- Date input with day, month and year --------------------------------------


class DateOfSessionForm(forms.Form):
    session_date = forms.DateField(
        widget=forms.SelectDateWidget(years=[2023, 2024, 2025]), help_text="For example, 5 3 2024"
    )


def test_select_date_widget_is_an_nhs_date_input():
    form = DateOfSessionForm(
        data={"session_date_day": "31", "session_date_month": "2", "session_date_year": "2024"}
    )
    doc = parse(render_crispy(form))

    fieldset = doc.by_id("div_id_session_date").find("fieldset")
    assert fieldset.attrs["role"] == "group"
    assert fieldset.find("legend").text == "Session date"
    assert describedby(fieldset) == ["id_session_date_helptext", "id_session_date_error"]
    date_input = fieldset.find("div", cls="nhsuk-date-input")
    items = date_input.find_all("div", cls="nhsuk-date-input__item")
    labels = [item.find("label", cls="nhsuk-date-input__label") for item in items]
    assert [label.text for label in labels] == ["Day", "Month", "Year"]
    for label in labels:
        assert doc.by_id(label.attrs["for"]).tag == "select"
    # The impossible date is kept for the user to correct.
    day = doc.by_id("id_session_date_day")
    assert [o.attrs["value"] for o in day.find_all("option") if "selected" in o.attrs] == ["31"]
    assert doc.find("div", cls="nhsuk-error-summary").find("a").attrs["href"] == (
        "#id_session_date_day"
    )


# --- Buttons and layout objects -----------------------------------------------


def test_layout_objects_and_buttons():
    form = invalid_form()
    form.helper = FormHelper()
    form.helper.form_action = "/somewhere/"
    form.helper.layout = Layout(
        Fieldset("About you", "name", "email"),
        Div("profession", "kind", css_class="app-extra", css_id="extra"),
        HTML('<p class="nhsuk-body">Check before saving</p>'),
        "topics",
        "agreed",
        "notes",
        "held_on",
    )
    form.helper.add_input(Submit("save", "Save note"))
    form.helper.add_input(Button("back", "Go back", css_class="secondary"))
    doc = parse(render_crispy(form))

    form_node = doc.find("form")
    assert form_node.attrs["method"] == "post"
    assert form_node.attrs["action"] == "/somewhere/"
    assert "novalidate" in form_node.attrs

    fieldset = form_node.find("fieldset", cls="nhsuk-fieldset")
    assert fieldset.find("legend", cls="nhsuk-fieldset__legend").text == "About you"
    assert fieldset.find("input", id="id_name")
    assert doc.by_id("extra").classes == ["app-extra"]
    assert doc.by_id("extra").find("select", id="id_profession")
    assert form_node.find("p", cls="nhsuk-body").text == "Check before saving"

    group = form_node.find("div", cls="nhsuk-button-group")
    save, back = group.find_all("button")
    assert save.attrs["type"] == "submit"
    assert (save.attrs["name"], save.attrs["value"], save.text) == (
        "save",
        "Save note",
        "Save note",
    )
    assert save.classes == ["nhsuk-button"]
    assert save.attrs["data-module"] == "nhsuk-button"
    assert back.attrs["type"] == "button"
    assert "nhsuk-button--secondary" in back.classes
    assert not any(cls.startswith("btn") for cls in save.classes + back.classes)


def test_filter_renders_fields_without_a_form_tag():
    html = render_filter(invalid_form())
    assert "<form" not in html
    assert "nhsuk-form-group--error" in html


# --- allauth pages --------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_uses_the_site_layout_and_nhs_fields(client):
    response = client.get(reverse("account_login"))
    doc = parse(response.content.decode())

    assert "Sign in" in doc.find("title").text
    main = doc.find("main", id="maincontent")
    h1s = doc.find_all("h1")
    assert len(h1s) == 1
    assert h1s[0].ancestor("main") is main
    assert "nhsuk-heading-l" in h1s[0].classes
    login = doc.by_id("id_login")
    assert "nhsuk-input" in login.classes
    assert doc.find("label", for_="id_login").classes == ["nhsuk-label"]
    assert doc.find("label", for_="id_password")
    assert "nhsuk-button" in main.find("button", type="submit").classes
    assert "nhsuk-error-summary" not in response.content.decode()


@pytest.mark.django_db
def test_failed_login_shows_the_error_summary(client):
    response = client.post(reverse("account_login"), {"login": "", "password": ""})
    doc = parse(response.content.decode())

    summary = doc.find("div", cls="nhsuk-error-summary")
    assert summary.ancestor("form") is not None
    assert [a.attrs["href"] for a in summary.find_all("a")] == ["#id_login", "#id_password"]
    assert "nhsuk-form-group--error" in doc.by_id("div_id_login").classes
    assert "id_login_error" in describedby(doc.by_id("id_login"))


@pytest.mark.django_db
def test_email_management_radios_are_grouped(client, django_user_model):
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user(
        email="pat@example.com", password="x-long-password"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    doc = parse(client.get(reverse("account_email")).content.decode())

    assert len(doc.find_all("h1")) == 1
    radio = doc.find("input", type="radio", value="pat@example.com")
    assert "nhsuk-radios__input" in radio.classes
    assert doc.find("label", for_=radio.attrs["id"])
    fieldset = radio.ancestor("fieldset")
    assert fieldset is not None
    assert fieldset.find("legend", cls="nhsuk-fieldset__legend")
    assert doc.find("strong", cls="nhsuk-tag").text
    assert doc.find("label", for_="id_email")


def test_selects_render_their_options_inline_with_django_s_own_markup():
    """templates/django/forms/widgets/select.html writes what Django's does, faster."""
    from django.forms.renderers import DjangoTemplates, TemplatesSetting, get_default_renderer

    assert isinstance(get_default_renderer(), TemplatesSetting)
    widget = forms.Select(
        attrs={"class": "nhsuk-select", "aria-describedby": "x-hint"},
        choices=[
            ("", "Any"),
            ("Wards", [("1", "Ward 1 <A&E>"), ("2", 'Ward "2"')]),
            (3, "Clinic 3"),
        ],
    )
    for value in (None, "", "2", 3):
        ours = widget.render("department", value)
        django_s = widget.render("department", value, renderer=DjangoTemplates())
        assert ours == django_s
    assert 'value="2" selected' in widget.render("department", "2")
    assert "Ward 1 &lt;A&amp;E&gt;" in widget.render("department", None)


# The loop {% choice_items %} replaced (templates/nhsuk/layout/choices.html before):
# the tag must write what it wrote, to the character.
CHOICES_LOOP = """{% load crispy_forms_field %}{% for option in field.subwidgets %}
      <div class="nhsuk-{{ kind }}__item">
        <input class="nhsuk-{{ kind }}__input"{% if option.data.attrs.id %} id="{% if forloop.first and first_id %}{{ first_id }}{% else %}{{ option.data.attrs.id }}{% endif %}"{% endif %} name="{{ option.data.name }}" type="{{ option.data.type }}"{% if option.data.value is not None %} value="{{ option.data.value|stringformat:'s' }}"{% endif %}{% for name, value in option.data.attrs.items %}{% if name != "id" and name != "class" and name != "name" and name != "type" and name != "value" and name != "aria-invalid" %}{% if value is not False and value is not None %} {{ name }}{% if value is not True %}="{{ value|stringformat:"s" }}"{% endif %}{% endif %}{% endif %}{% endfor %}>
        <label class="nhsuk-label nhsuk-{{ kind }}__label"{% if option.data.attrs.id %} for="{% if forloop.first and first_id %}{{ first_id }}{% else %}{{ option.data.attrs.id }}{% endif %}"{% endif %}>{{ option.choice_label }}</label>
      </div>
      {% endfor %}"""  # noqa: E501 - the template as it was


class ChoicesForm(forms.Form):
    slot = forms.ChoiceField(
        choices=[("a&b", "Tuesday <5 May>, 14:00"), ("2", mark_safe("<b>Safe</b>")), ("", "None")],
        widget=forms.RadioSelect(attrs={"data-note": 'say "hi"', "disabled": False}),
    )
    topics = forms.MultipleChoiceField(
        choices=[("caseload", "Caseload"), ("wellbeing", _lazy("Wellbeing"))],
        widget=forms.CheckboxSelectMultiple(attrs={"required": True, "aria-invalid": "true"}),
    )


@pytest.mark.parametrize("data", [None, {"slot": "2", "topics": ["caseload", "wellbeing"]}])
@pytest.mark.parametrize("first_id", ["", "id_slot"])
@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_choice_items_write_what_the_template_loop_wrote(data, first_id, auto_id):
    form = ChoicesForm(data, auto_id=auto_id)
    for name, kind, count in (("slot", "radios", 3), ("topics", "checkboxes", 2)):
        context = {"field": form[name], "kind": kind, "first_id": first_id}
        tag = render("{% load nhsuk %}{% choice_items field kind first_id %}", **context)
        assert tag == render(CHOICES_LOOP, **context)
        assert tag.count("<input") == count
        assert (' for="' in tag) == bool(auto_id)
