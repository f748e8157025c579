"""kernel.forms.ListedModelChoiceField: the same options, and the same answer for every
value, as Django's ModelChoiceField, from one read of its rows."""

from collections.abc import Iterable
from typing import Any, cast

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel.forms import ListedModelChoiceField
from kernel.models import Department
from tests.factories import DepartmentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def wards():
    ours = OrganisationFactory()
    theirs = OrganisationFactory()
    mine = [DepartmentFactory(organisation=ours, name=name) for name in ("Ward B", "Ward A")]
    other = DepartmentFactory(organisation=theirs, name="Elsewhere")
    return ours, mine, other


def _fields(ours, **options):
    rows = Department.objects.filter(organisation=ours).order_by("name")
    return (
        forms.ModelChoiceField(queryset=rows, **options),
        ListedModelChoiceField(queryset=rows, **options),
    )


def _options(field) -> Iterable[tuple[Any, Any]]:
    return cast(Iterable[tuple[Any, Any]], field.choices)


def _answer(field, value):
    try:
        return ("valid", field.clean(value))
    except ValidationError as error:
        return ("invalid", error.code, [str(m) for m in error.messages])


@pytest.mark.parametrize("options", [{}, {"required": False}, {"empty_label": None}])
def test_it_offers_the_same_options(wards, options):
    ours, _mine, _other = wards
    django_field, listed = _fields(ours, **options)
    assert list(listed.choices) == list(django_field.choices)
    assert len(listed.choices) == len(django_field.choices)


def test_it_answers_every_value_as_model_choice_field_does(wards):
    ours, mine, other = wards
    first = mine[0]
    values = [
        str(first.pk),
        first.pk,
        f" {first.pk} ",
        first,
        str(other.pk),  # a real department, not among the choices
        other,
        "",
        None,
        "not a number",
        "1.5",
        "9" * 30,
        "-1",
        f"{first.pk}\x00",
        [first.pk],
    ]
    for required in (True, False):
        django_field, listed = _fields(ours, required=required)
        for value in values:
            assert _answer(listed, value) == _answer(django_field, value), (required, value)


def test_it_reads_its_rows_once_for_the_options_and_the_value(wards):
    ours, mine, _other = wards
    _django_field, listed = _fields(ours, required=False)

    class Filters(forms.Form):
        department = listed

    form = Filters({"department": str(mine[1].pk)})
    with CaptureQueriesContext(connection) as queries:
        assert form.is_valid()
        html = str(form["department"])
    assert len(queries) == 1
    assert form.cleaned_data["department"] == mine[1]
    assert f'value="{mine[1].pk}" selected' in html


def test_a_queryset_read_already_gives_its_rows_and_asks_for_nothing(wards):
    """kernel.prepared.as_read: the rows a prepared query found serve the options and
    the cleaning; Django's copy of the queryset keeps them."""
    from kernel.prepared import as_read

    ours, mine, other = wards
    rows = Department.objects.filter(organisation=ours).order_by("name")
    field = ListedModelChoiceField(queryset=as_read(rows, list(reversed(mine))))
    with CaptureQueriesContext(connection) as queries:
        options = [str(label) for _, label in _options(field)]
        assert field.clean(str(mine[0].pk)) == mine[0]
        with pytest.raises(ValidationError):
            field.clean(str(other.pk))
    assert len(queries) == 0
    assert options == ["---------", "Ward A", "Ward B"]  # as found, not asked again
    # a queryset not read yet is read once, as before
    field = ListedModelChoiceField(queryset=Department.objects.filter(organisation=ours))
    with CaptureQueriesContext(connection) as queries:
        assert [str(label) for _, label in _options(field)][1:] == ["Ward A", "Ward B"]
        field.clean(str(mine[1].pk))
    assert len(queries) == 1
