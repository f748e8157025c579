"""kernel.loading: a model loaded with some of its columns is the same instance,
field for field and deferred for deferred, as Django's from_db makes it."""

import pytest
from django.db.models import Model

from kernel import loading
from kernel.models import Department, StaffProfile
from supervision.models import Agreement

pytestmark = pytest.mark.django_db


def _state(instance, depth: int = 3) -> tuple:
    """An instance as loaded: its fields' values, those deferred, and (select_related)
    the related instances it holds, the same way (a person and their profile hold
    each other: `depth` levels down)."""
    values = {k: v for k, v in instance.__dict__.items() if k != "_state"}
    related = {
        name: _state(cached, depth - 1) if cached is not None and depth else None
        for name, cached in instance._state.fields_cache.items()
    }
    return (type(instance), values, instance.get_deferred_fields(), related, instance._state.db)


def _queries(supervisee, supervisor):
    yield StaffProfile.objects.all()
    yield StaffProfile.objects.only("band")
    yield StaffProfile.objects.defer("band", "employee_number")
    yield StaffProfile.objects.select_related("user", "department__organisation").only(
        "band", "user__first_name", "department__name", "department__organisation__time_zone"
    )
    yield Department.objects.only("name").order_by("name")
    yield Agreement.objects.select_related("supervisee", "supervisor").only(
        "supervisee__email", "supervisor__last_name"
    )


def test_loaded_instances_are_as_djangos_own(supervisee, supervisor, monkeypatch):
    from tests.factories import AgreementFactory

    AgreementFactory(supervisee=supervisee, supervisor=supervisor)
    assert Model.__dict__["from_db"].__func__ is loading.from_db  # installed at start-up
    ours = [[_state(i) for i in query] for query in _queries(supervisee, supervisor)]
    monkeypatch.setattr(Model, "from_db", loading.django_from_db)
    djangos = [[_state(i) for i in query] for query in _queries(supervisee, supervisor)]
    assert ours == djangos
    assert all(ours), "every query found rows"
    deferred = [state[2] for rows in ours for state in rows]
    assert {"band"} < set().union(*deferred), "some fields were deferred"


def test_a_deferred_field_still_loads_when_read(supervisee):
    profile = StaffProfile.objects.only("band").get(user=supervisee)
    assert "employee_number" in profile.get_deferred_fields()
    assert profile.employee_number == supervisee.profile.employee_number
