"""Loading a model with some of its columns (`.only()`, `.defer()`) costs its
columns once a query shape, not once a row.

Django's Model.from_db places a row's values among the model's fields by asking,
for each field, whether its name is among the columns loaded: a search of that
list, for every field of every instance (and of every related instance
select_related builds). A table of 35 sessions, each with its programme,
organisation, both people and record, asked it about 2,000 times a page, 6% of
the session history's instructions (callgrind). `from_db` here works out which
fields were loaded once for each model and set of columns, and keeps it; each
instance then only takes its values. Same instances: the fields not loaded are
DEFERRED exactly as Django leaves them (tests/test_model_loading.py).
"""

from django.db.models import Model
from django.db.models.base import DEFERRED

# Django's own, kept for the test that holds the two to the same instances.
django_from_db = Model.__dict__["from_db"]

# (model, the columns loaded) -> for each concrete field, whether it was loaded.
_plans: dict[tuple[type, tuple[str, ...]], tuple[bool, ...]] = {}


def _plan(cls, field_names) -> tuple[bool, ...]:
    key = (cls, tuple(field_names))
    plan = _plans.get(key)
    if plan is None:
        loaded = set(field_names)
        plan = _plans[key] = tuple(f.attname in loaded for f in cls._meta.concrete_fields)
    return plan


def from_db(cls, db, field_names, values):
    """Model.from_db, the loaded fields found once a model and set of columns."""
    if len(values) != len(cls._meta.concrete_fields):
        taken = iter(values)
        values = [next(taken) if loaded else DEFERRED for loaded in _plan(cls, field_names)]
    new = cls(*values)
    new._state.adding = False
    new._state.db = db
    return new


def install() -> None:
    """Every model without a from_db of its own loads through `from_db` (a model that
    overrides it keeps its own)."""
    Model.from_db = classmethod(from_db)  # type: ignore[method-assign,assignment]
