"""Every error a form shows is in the NHS.UK design system's words: it names the
field and says how to fix it ("Enter the start date", "The title must be 200
characters or fewer", "The start date must include a month"), never one of
Django's own messages ("This field is required.", "Ensure this value...").

The wording comes from one place, kernel.error_messages, which kernel.forms.NHSErrors
applies to every field before a form is cleaned. Below: the wording helper on its
own; that every form class of the project, and every form a page shows, has it;
and the forms found by the robustness crawl (tests/test_forms_robustness.py)
submitted empty, with over-long text, and with words in number boxes and
impossible dates, with every error summary read back.
"""

import datetime
import html
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.template import engines
from django.utils.module_loading import import_string

from kernel.error_messages import error_name, field_error_messages
from kernel.forms import DateField, Form, ModelForm, NHSErrors
from kernel.widgets import DateInput
from tests.html import parse
from tests.test_forms_robustness import discover_forms

PROJECT_APPS = [
    config.name
    for config in apps.get_app_configs()
    if config.path.startswith(str(settings.BASE_DIR)) and "site-packages" not in config.path
]


# --- Django's own messages, collected rather than listed -----------------------------


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _stock_messages() -> set[str]:
    """Every message Django's form fields, validators, model fields and password
    checks come with, as text."""
    found: list = []
    for cls in [forms.Field, *_subclasses(forms.Field), models.Field, *_subclasses(models.Field)]:
        if cls.__module__.startswith("django."):
            found += getattr(cls, "default_error_messages", {}).values()
    for _name, obj in inspect.getmembers(validators):
        if obj in (validators.MaxLengthValidator, validators.MinLengthValidator):
            continue  # worded by count: called below
        message = getattr(obj, "message", None)
        if message is not None and not callable(message):
            found.append(message)
        messages = getattr(obj, "messages", None)
        if isinstance(messages, dict):
            found += messages.values()
    checks: list[tuple[Callable, str]] = [
        (validators.MaxLengthValidator(1), "ab"),
        (validators.MinLengthValidator(3), "a"),
        (validators.validate_ipv46_address, "x"),
        (validators.validate_ipv4_address, "x"),
        (validators.validate_ipv6_address, "x"),
    ]
    for validator, value in checks:
        try:
            validator(value)
        except ValidationError as error:
            found.append(error.message)
    for cls in [
        password_validation.MinimumLengthValidator,
        password_validation.UserAttributeSimilarityValidator,
        password_validation.CommonPasswordValidator,
        password_validation.NumericPasswordValidator,
    ]:
        found.append(cls().get_error_message())
    found += auth_forms.SetPasswordMixin.error_messages.values()
    return {str(message) for message in found if message}


def default_fragments() -> list[str]:
    """The longest fixed piece of each of Django's messages ("This field is required.",
    "Ensure this value has at most "): what a page must not contain."""
    fragments = set()
    for message in _stock_messages():
        pieces = re.split(r"%\(\w+\)[sdr]|%[sdr]|\{\w*\}", message)
        longest = max((piece.strip() for piece in pieces), key=len)
        if len(longest) >= 12:
            fragments.add(longest)
    return sorted(fragments)


DEFAULTS = default_fragments()


def test_the_collected_defaults_include_the_ones_people_meet():
    for message in [
        "This field is required.",
        "Enter a whole number.",
        "Enter a valid date.",
        "Enter a valid email address.",
        "Select a valid choice. That choice is not one of the available choices.",
        "Null characters are not allowed.",
        "Ensure this value is less than or equal to",
        "This password is too common.",
    ]:
        assert any(fragment in message for fragment in DEFAULTS), message


# --- The wording helper ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("Start date", "the start date"),
        ("Refresher due (optional)", "the refresher due"),
        ("How often you will meet", "how often you will meet"),
        ("Your comment (optional)", "your comment"),
        ("NMC PIN", "the NMC PIN"),
        ("Why are you moving it?", "your answer to “Why are you moving it?”"),
        ("", "your answer"),
    ],
)
def test_a_field_is_named_in_its_errors_by_its_label(label, name):
    assert error_name(label) == name


def worded(field, name="the thing"):
    field.error_messages.update(field_error_messages(field, name))
    return field.error_messages


def errors(field, value, name="the thing"):
    worded(field, name)
    with pytest.raises(ValidationError) as caught:
        field.clean(value)
    return caught.value.messages


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (forms.CharField(), "", "Enter the thing"),
        (forms.CharField(max_length=300), "a" * 301, "The thing must be 300 characters or fewer"),
        (forms.CharField(max_length=1000), "a" * 1001, "must be 1,000 characters or fewer"),
        (forms.CharField(min_length=3), "ab", "The thing must be 3 characters or more"),
        (forms.CharField(), "a\x00b", "The thing must not include hidden characters"),
        (forms.IntegerField(), "two", "The thing must be a whole number"),
        (forms.IntegerField(min_value=1, max_value=20), "21", "must be between 1 and 20"),
        (forms.IntegerField(min_value=1), "0", "The thing must be 1 or more"),
        (forms.IntegerField(max_value=5), "6", "The thing must be 5 or less"),
        (forms.DecimalField(), "x", "The thing must be a number"),
        (forms.DecimalField(max_digits=3), "1234", "The thing must be 3 digits or fewer"),
        (forms.ChoiceField(choices=[("a", "A")]), "", "Select the thing"),
        (forms.ChoiceField(choices=[("a", "A")]), "b", "Select the thing from the list"),
        (
            forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect),
            "b",
            "Select the thing from the options shown",
        ),
        (
            forms.MultipleChoiceField(choices=[("a", "A")], widget=forms.CheckboxSelectMultiple),
            ["b"],
            "Select the thing from the options shown",
        ),
        (forms.BooleanField(), False, "Select the thing"),
        (forms.EmailField(), "nobody", "Enter the thing in the correct format, like name@"),
        (
            forms.URLField(assume_scheme="https"),
            "not a link",
            "Enter the thing in the correct format, like https://",
        ),
        (forms.TimeField(), "25:61", "The thing must be a time on the 24-hour clock"),
        (forms.DateField(), "2027-02-31", "The thing must be a real date"),
        (forms.FileField(), None, "Select the thing"),
    ],
)
def test_django_messages_become_nhs_wording(field, value, message):
    (shown,) = errors(field, value)
    assert message in shown
    assert not any(fragment in shown for fragment in DEFAULTS)


def test_a_message_the_form_wrote_is_kept():
    field = forms.CharField(error_messages={"required": "Enter a reason for moving the session"})
    assert errors(field, "") == ["Enter a reason for moving the session"]


def test_a_validators_own_message_is_kept_over_the_fields_stock_one():
    """A URLField's "Enter a valid URL." would otherwise hide the validator's words."""
    https = validators.URLValidator(schemes=["https"], message="Enter a link that starts https://")
    field = forms.URLField(validators=[https], assume_scheme="https")
    assert errors(field, "http://example.com") == ["Enter a link that starts https://"]


def test_a_label_with_a_percent_sign_is_shown_as_it_is():
    # Django fills a message from its params with `%`: a name holding "%" must survive.
    field = forms.CharField(max_length=3)
    assert errors(field, "abcd", name="the 100% target") == [
        "The 100% target must be 3 characters or fewer"
    ]


def test_every_error_code_of_every_django_field_gets_nhs_wording():
    """Found, not listed: each form field Django has, with each error it can show."""
    for cls in {forms.Field, *_subclasses(forms.Field)}:
        if not cls.__module__.startswith("django.forms"):
            continue
        try:
            field = cls(assume_scheme="https") if issubclass(cls, forms.URLField) else cls()
        except TypeError:
            continue  # needs arguments (ComboField, MultiValueField...): covered by its kin
        field.validators.append(validators.MaxLengthValidator(10))
        for code, message in worded(field).items():
            assert message, (cls, code)
            assert not any(fragment in str(message) for fragment in DEFAULTS), (cls, code)


# --- Dates -----------------------------------------------------------------------------


class WhenForm(Form):
    error_names = {"starts_on": "the start date"}

    starts_on = DateField(label="When does it start?")
    ends_on = DateField(label="End date", required=False)


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "", "", "Enter the start date"),
        ("5", "", "2027", "The start date must include a month"),
        ("", "", "2027", "The start date must include a day and month"),
        ("5", "3", "", "The start date must include a year"),
        ("", "3", "", "The start date must include a day and year"),
        ("5", "3", "27", "The year in the start date must include 4 numbers"),
        ("31", "2", "2027", "The start date must be a real date"),
        ("5", "13", "2027", "The start date must be a real date"),
        ("x", "3", "2027", "The start date must be a real date"),
    ],
)
def test_a_date_input_says_what_is_wrong_with_the_date(day, month, year, message):
    form = WhenForm(data={"starts_on_day": day, "starts_on_month": month, "starts_on_year": year})
    assert form.errors["starts_on"] == [message]
    assert "ends_on" not in form.errors


def test_a_date_input_accepts_a_real_date():
    form = WhenForm(data={"starts_on_day": "5", "starts_on_month": "3", "starts_on_year": "2027"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["starts_on"] == datetime.date(2027, 3, 5)


def crispy(form):
    template = engines["django"].from_string("{% load crispy_forms_tags %}{{ form|crispy }}")
    return parse(template.render({"form": form}))


def test_the_summary_links_to_the_box_that_is_missing():
    form = WhenForm(data={"starts_on_day": "5", "starts_on_month": "", "starts_on_year": "2027"})
    page = crispy(form)
    link = page.find("div", cls="nhsuk-error-summary").find("a")
    assert (link.attrs["href"], link.text) == (
        "#id_starts_on_month",
        "The start date must include a month",
    )
    boxes = page.by_id("div_id_starts_on").find_all("input")
    assert ["nhsuk-input--error" in box.classes for box in boxes] == [False, True, False]


class FieldsAddedLater(Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"] = forms.CharField(label="Answer", max_length=5)

    def clean(self):
        raise ValidationError("Something about the whole form")


def test_fields_added_in_init_get_the_wording_and_a_form_error_links_to_a_field():
    form = FieldsAddedLater(data={"answer": "toolong"})
    assert form.errors["answer"] == ["The answer must be 5 characters or fewer"]
    summary = crispy(form).find("div", cls="nhsuk-error-summary")
    assert [(a.attrs["href"], a.text) for a in summary.find_all("a")] == [
        ("#id_answer", "Something about the whole form"),
        ("#id_answer", "The answer must be 5 characters or fewer"),
    ]


def test_only_a_bound_form_has_its_wording_worked_out(monkeypatch):
    """An unbound form (a list page's filter form before anyone filters) can show no
    field error, so the wording is not worked out for it; once bound, it is."""
    import kernel.forms

    worded: list[forms.BaseForm] = []
    monkeypatch.setattr(kernel.forms, "form_error_messages", worded.append)
    unbound = FieldsAddedLater()
    assert not unbound.errors
    assert worded == []
    bound = FieldsAddedLater(data={"answer": "toolong"})
    assert bound.errors
    assert worded == [bound]


@pytest.mark.django_db
def test_a_model_forms_limits_from_the_model_get_the_wording():
    from feedback.models import ImprovementIdea

    class IdeaForm(ModelForm):
        class Meta:
            model = ImprovementIdea
            fields = ["title"]

    form = IdeaForm(data={"title": "a" * 201})
    assert form.errors["title"] == ["The title must be 200 characters or fewer"]


# --- Every form has it ---------------------------------------------------------------


def project_form_classes() -> list[type]:
    """Every form class the project's apps define (their modules imported first)."""
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    return sorted(
        (
            cls
            for cls in _subclasses(forms.BaseForm)
            if cls.__module__.split(".")[0] in PROJECT_APPS
        ),
        key=lambda cls: f"{cls.__module__}.{cls.__qualname__}",
    )


def test_every_form_of_the_project_has_the_nhs_wording():
    found = project_form_classes()
    assert len(found) > 40, "too few forms found: has the walk stopped finding them?"
    missing = [f"{c.__module__}.{c.__qualname__}" for c in found if not issubclass(c, NHSErrors)]
    assert missing == [], "make these kernel.forms.Form or ModelForm (or mix in NHSErrors)"


def test_every_date_is_typed_in_the_nhs_date_input():
    wrong = [
        f"{cls.__module__}.{cls.__qualname__}.{name}"
        for cls in project_form_classes()
        for name, field in getattr(cls, "base_fields", {}).items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
        and not (isinstance(field, DateField) and isinstance(field.widget, DateInput))
    ]
    assert wrong == [], "use kernel.forms.DateField (the NHS.UK date input)"


def test_allauths_forms_are_ours_with_the_wording():
    configured = {
        **settings.ACCOUNT_FORMS,
        **settings.MFA_FORMS,
        **{f"social {k}": v for k, v in settings.SOCIALACCOUNT_FORMS.items()},
    }
    assert {"login", "reset_password", "change_password", "authenticate"} <= set(configured)
    for key, path in configured.items():
        assert issubclass(import_string(path), NHSErrors), key


# --- The forms of the site, submitted -------------------------------------------------

LONG = "a" * 5000


def variants(form) -> dict[str, dict]:
    """What each form is sent: nothing; over-long text everywhere; words in number
    boxes and an impossible date; a date with a box left empty."""
    names = sorted(form.fields)

    def date_part(name, day, month, year):
        return {"_day": day, "_month": month, "_year": year}[name[name.rindex("_") :]]

    def is_date_part(name):
        return name.endswith(("_day", "_month", "_year"))

    def own(name):
        values = form.fields[name]
        return values[0] if values else ""

    return {
        "empty": {},
        "long": dict.fromkeys(names, LONG),
        "not numbers": {
            name: date_part(name, "31", "2", "2027") if is_date_part(name) else "twelve"
            for name in names
        },
        "part of a date": {
            name: date_part(name, "5", "", "27") if is_date_part(name) else own(name)
            for name in names
        },
    }


def summary_problems(page) -> list[str]:
    problems = []
    for summary in page.find_all("div", cls="nhsuk-error-summary"):
        for item in summary.find_all("li"):
            link = item.find_all("a")
            if not item.text:
                problems.append("an empty error in the summary")
            elif not link or not link[0].attrs.get("href", "").startswith("#"):
                problems.append(f"not a link to a field: {item.text!r}")
            elif not page.find_all(id=link[0].attrs["href"][1:]):
                problems.append(f"links to nothing on the page: {link[0].attrs['href']}")
    return problems


def context_forms(response) -> list:
    if response.context is None:
        return []
    return [
        value
        for context in response.context
        for layer in context.dicts
        for value in layer.values()
        if isinstance(value, forms.BaseForm)
    ]


class _RolledBack(Exception):
    pass


def submit(client, form, data):
    """The response to `data`, with whatever it saved rolled back."""
    answer = {}
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    try:
        with transaction.atomic():
            send = client.get if form.method == "get" else client.post
            answer["response"] = send(form.action, data)
            raise _RolledBack
    except _RolledBack:
        pass
    finally:
        client.cookies = SimpleCookie(cookies)
    return answer["response"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_no_form_shows_djangos_own_messages_and_every_error_links_to_its_field(
    client, role_users, records
):
    found = discover_forms(client, role_users, records, methods=("post", "get"))
    assert len(found) > 60, "the walk found too few forms: has the matrix changed?"
    failures: list[str] = []
    shown = 0
    for role, form in found:
        client.logout()
        if role_users[role] is not None:
            client.force_login(role_users[role])
        for variant, data in variants(form).items():
            response = submit(client, form, data)
            where = f"{form.method.upper()} {urlsplit(form.action).path} as {role}, {variant}"
            if response.status_code != 200 or "html" not in response["Content-Type"]:
                continue
            content = response.content.decode()
            page = parse(content)
            if page.find_all("div", cls="nhsuk-error-summary"):
                shown += 1
            text = html.unescape(re.sub(r"<[^>]+>", " ", content))
            failures += [f"{where}: Django's {d!r}" for d in DEFAULTS if d in text]
            failures += [f"{where}: {problem}" for problem in summary_problems(page)]
            failures += [
                f"{where}: {type(f).__module__}.{type(f).__name__} has no NHS wording"
                for f in context_forms(response)
                if not isinstance(f, NHSErrors)
            ]
    # The check has bite: most forms were turned down with errors to read.
    assert shown > len(found), shown
    assert not failures, "\n".join(sorted(set(failures)))
