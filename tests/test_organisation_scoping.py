"""Organisation scoping that cannot be forgotten (issue 14).

After NHS England's *Manage breast screening* (its ADR-005, "Enforce
provider-scoped queries", and scripts/lint_model_usage_in_views.py): code that
answers a request never reaches a sensitive model through its manager. It asks
a permission helper, which decides whose records those are.

The rule, as enforced here
--------------------------
In a module in scope, none of these may name a sensitive model:

- `Model.objects`, any other manager a model declares, `Model._default_manager`
  or `Model._base_manager` (`Model.objects.none()` alone is
  allowed: it can return nothing, and is what a form's choice field declares
  until the view hands it a queryset);
- `get_object_or_404(Model, ...)` or `get_list_or_404(Model, ...)`;
- a manager reached through a name the test cannot resolve to a model
  (`model.objects`, `queryset.model.objects`) is reported too: it could be any.

And no form class in scope offers sensitive records in a choice field before
the view sets its queryset; a ModelForm's generated ForeignKey fields start
from `_default_manager.all()`, so they count.

Instead a module asks a permission helper: `<records>_visible_to(user)`,
`get_<record>_for_user(user, pk)` and the like, which answer 404 for a record
of another organisation and 403 for one of the user's organisation that their
role may not see. Related managers of a record fetched that way
(`group.sessions`, `supervisor.programmes`) are fine: they cannot leave it.

Sensitive models are derived from the models, not listed: every model with a
field called `organisation` and the model such fields point to; the user model
(a person belongs to an organisation through their staff profile, a one-to-one
the user row itself does not hold); then, until nothing changes, every model
with a foreign key, one-to-one or many-to-many to a sensitive one. A model
added tomorrow is covered tomorrow. EXEMPT_MODELS lists the few left out.

Which modules
-------------
Every Python module of every installed app whose code is in this repository,
and of `supervision_site`, is in scope unless listed below; a new module is
checked the day it is added. Sensitive managers are used only in:

- the permission modules, `permissions.py`, `permissions_*.py` or a
  `permissions/` package in each app: the one place scoping is decided;
- the query modules in QUERY_MODULES: each reads records already bounded by
  what a permission module decided (a report's scope, one person's own data,
  the programme and person a view fetched), and says so below.

OUT_OF_SCOPE lists what does not serve a request, with why. Services are
there because they write with an actor the view hands them, after fetching
every object it passes through a permission helper (and this test checks the
view); tasks and management commands run without a user to scope by.

Raw SQL is not looked for: in scope, only the health check's `SELECT 1` and
the reports app, which runs the SQL of the reporting modules' querysets, use a
cursor.

`make lint` runs this file on its own (no database: a few seconds).
"""

import fnmatch
import importlib
from pathlib import Path

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from .manager_scan import MANAGERS, SHORTCUTS, Offence, all_models, dotted, scan

ROOT = Path(__file__).resolve().parents[1]

PERMISSION_MODULES = ("*/permissions.py", "*/permissions_*.py", "*/permissions/*.py")

QUERY_MODULES = {
    "*/reporting.py": "each app's report source: every query is bounded by the ReportScope "
    "that the report's form built from reports/permissions.py's choices (the reader's "
    "organisation, a department or programme inside it), or keyed by records found so",
    "reports/cells.py": "keeping the report's cells: every query is keyed by the "
    "organisation of the ReportScope being read, or by the people a drain took; the "
    "cells are read only through reports/reporting.py's CellCounts, bounded by the scope",
    "reports/checkin_cells.py": "keeping the wellbeing check-ins' cells: every query is "
    "keyed by the people a drain took, or rebuilds them all; the cells are read only by "
    "checkin_counts, bounded by the ReportScope being read",
    "*/personal_data.py": "one person's own records, for their subject-access download and "
    "their erasure: every query is keyed by that person",
    "supervision/allowances.py": "how much of a programme's allowance a person has used: "
    "queries keyed by the programme and the person the caller fetched",
    "peergroups/allowance_usage.py": "the group meetings that count against that allowance, "
    "keyed the same way",
    "supervision/standards.py": "who is due or overdue for supervision: queries over the "
    "people queryset the caller scoped (keyed by those people and their organisations)",
    "peergroups/standard_presence.py": "the group meetings that count towards those standards, "
    "keyed the same way",
    "supervision/availability.py": "a supervisor's free slots: queries keyed by the supervisor "
    "(and supervisee) the caller fetched",
    "feedback/aggregates.py": "rating summaries of a responses queryset the caller scoped",
    "*/metrics.py": "site-wide counts for operators' /metrics and /readyz (a bearer token or a "
    "superuser): numbers only, no row, person or organisation leaves the module",
    "supervision/pairing.py": "the pairing rule's one query: the current agreements of the "
    "supervisees the caller fetched (by id)",
    "supervision/models/agreements.py": "AgreementQuerySet.with_first_session: its one "
    "subquery is correlated (OuterRef) to the agreements of the queryset it annotates, "
    "which the caller scoped through a permission helper",
    "accounts/backends.py": "signing in: the one user the session or the sign-in form names "
    "(Django's and allauth's backends, loading that user with their profile)",
    "accounts/session_store.py": "the session row of the request's own session key",
    "supervision/staff_import/*": "an ESR import's dry run, run by its service: every query "
    "is keyed by the organisation the admin administers (admin_home_organisation), or by "
    "emails of that file's new people to find who is registered elsewhere",
}

OUT_OF_SCOPE = {
    "*/migrations/*": "historical models, run by `migrate`, never by a request",
    "*/management/*": "commands an operator runs on the server",
    "*/services.py": "writes with an actor; the calling view fetched what it passes",
    "*/services/*": "writes with an actor; the calling view fetched what it passes",
    "*/tasks.py": "Celery tasks take ids from code that checked access, and have no user",
    "*/admin.py": "the Django admin, for staff users; tests/test_admin_confidentiality.py "
    "keeps confidential text out of it",
    "nonprod/*": "demo and history data, never installed in production",
    "*/notifications.py": "notification kinds: the worker renders each for its one recipient, "
    "and beat's scans choose recipients; no request",
    "*/notifications_*.py": "notification kinds, as above",
    "notifications/sending.py": "the worker's outbox dispatch; no request",
    "accounts/anonymise.py": "erasing leavers, run by a task",
    "accounts/leavers.py": "who is due for erasure, read by that task",
    "supervision_site/settings/*": "configuration; no queries",
    "supervision_site/wsgi.py": "the web server's entry: loading it checks the encryption keys "
    "against the database (operations/sentinel.py)",
    "operations/sentinel.py": "the encryption-key check at start-up, in migrate and in "
    "readiness: reads the sentinel row and the first stored token of each encrypted column",
}

EXEMPT_MODELS = {
    # allauth's sign-in records hang off the user model. Each row is one person's
    # own credential or sign-in, read by allauth's own views by the signed-in user;
    # none holds an organisation's data.
    "account.EmailAddress": "allauth sign-in record",
    "account.EmailConfirmation": "allauth sign-in record",
    "socialaccount.SocialAccount": "allauth sign-in record",
    "socialaccount.SocialToken": "allauth sign-in record",
    "mfa.Authenticator": "allauth sign-in record",
    "usersessions.UserSession": "allauth sign-in record",
    "admin.LogEntry": "the Django admin's own history, shown only inside the admin",
    # Django's permission groups are unused: roles are RoleGrants, per organisation.
    "accounts.User_groups": "Django permission groups, unused",
    "accounts.User_user_permissions": "Django permissions, unused",
}


def _points_to(model, targets) -> bool:
    return any(
        field.is_relation and field.concrete and field.related_model in targets
        for field in model._meta.get_fields()
    )


def sensitive_models() -> set[type[models.Model]]:
    """Every model that carries an organisation or belongs to one through its parents."""
    found: set[type[models.Model]] = {get_user_model()}
    for model in all_models():
        for field in model._meta.get_fields():
            if field.name in ("organisation", "organisation_id") and field.concrete:
                found.add(model)
                related = field.related_model
                if isinstance(related, type) and issubclass(related, models.Model):
                    found.add(related)
    grown = True
    while grown:
        grown = False
        for model in all_models():
            if model not in found and _points_to(model, found):
                found.add(model)
                grown = True
    return {model for model in found if model._meta.label not in EXEMPT_MODELS}


def _matches(path: str, patterns) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in patterns)


def project_modules() -> list[str]:
    """Every module of the apps whose code is here, as a path from the repository root."""
    roots = {ROOT / "supervision_site"}
    roots |= {
        Path(config.path).resolve()
        for config in apps.get_app_configs()
        # Our apps are the repository's top-level packages; installed packages
        # (a virtualenv may live inside the repository) are not ours.
        if Path(config.path).resolve().parent == ROOT
    }
    return sorted(
        path.relative_to(ROOT).as_posix() for root in roots for path in root.rglob("*.py")
    )


def modules_in_scope() -> list[str]:
    allowed = (*PERMISSION_MODULES, *QUERY_MODULES, *OUT_OF_SCOPE)
    return [path for path in project_modules() if not _matches(path, allowed)]


def offences_in_scope() -> list[Offence]:
    sensitive = sensitive_models()
    found = []
    for path in modules_in_scope():
        source = (ROOT / path).read_text()
        if not any(word in source for word in (*MANAGERS, *(f.__name__ for f in SHORTCUTS))):
            continue
        found += scan(path, source, sensitive, importlib.import_module(dotted(path)))
    return found


# --- The tests -------------------------------------------------------------------------


def test_no_sensitive_manager_is_used_outside_the_permission_and_query_modules():
    offences = offences_in_scope()
    assert not offences, (
        f"{len(offences)} sensitive manager use(s) outside the permission modules; fetch "
        "through a permission helper instead (see this test's docstring):\n"
        + "\n".join(map(str, offences))
    )


def choices_offered(form: type[forms.BaseForm], sensitive) -> list[str]:
    """The form's choice fields that offer sensitive records before anyone narrows them."""
    offered = []
    for name, field in form.base_fields.items():  # type: ignore[attr-defined]  # on every Form class, not on BaseForm's stub
        queryset = getattr(field, "queryset", None)
        if (
            isinstance(field, forms.ModelChoiceField)
            and queryset is not None
            and queryset.model in sensitive
            and not queryset.query.is_empty()
        ):
            offered.append(f"{form.__name__}.{name} offers {queryset.model.__name__}")
    return offered


def test_no_form_offers_sensitive_choices_before_its_view_sets_them():
    """A choice field's queryset comes from the view, built by a permission helper."""
    sensitive = sensitive_models()
    offers = []
    for path in modules_in_scope():
        module = importlib.import_module(dotted(path))
        for form in vars(module).values():
            if (
                isinstance(form, type)
                and issubclass(form, forms.BaseForm)
                and form.__module__ == module.__name__
            ):
                offers += [f"{path}: {offer}" for offer in choices_offered(form, sensitive)]
    assert offers == [], "start these fields empty and set them from the view:\n" + "\n".join(
        offers
    )


def test_a_model_forms_generated_choice_field_counts():
    from peergroups.models import Group

    class CarelessGroupForm(forms.ModelForm):
        class Meta:
            model = Group
            fields = ["name", "programme"]

    assert choices_offered(CarelessGroupForm, sensitive_models()) == [
        "CarelessGroupForm.programme offers Programme"
    ]


def test_sensitive_models_are_derived_from_the_models():
    names = {model.__name__ for model in sensitive_models()}
    # Carries an organisation; through a parent; through a grandparent; the most
    # private record (its author's only: through the user model); a many-to-many.
    assert {
        "Programme",
        "Session",
        "SessionRecord",
        "JournalEntry",
        "SupervisorProfile_programmes",
    } <= names
    assert not {"ContentType", "Permission"} & names
    labels = {model._meta.label for model in sensitive_models()}
    assert EXEMPT_MODELS.keys().isdisjoint(labels)


def test_every_exempt_model_exists():
    """An exemption for a model that has gone would hide the next one of that name."""
    existing = {model._meta.label for model in all_models()}
    assert set(EXEMPT_MODELS) <= existing


def test_every_listed_module_pattern_still_matches_a_module():
    modules = project_modules()
    stale = [
        pattern
        for pattern in (*PERMISSION_MODULES, *QUERY_MODULES, *OUT_OF_SCOPE)
        if not any(fnmatch.fnmatch(path, pattern) for path in modules)
    ]
    assert stale == []


PLANTED = """
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404

from feedback.models import JournalEntry
from supervision import models as supervision_models
from supervision.models import Session as Meeting


def leaky_view(request, pk, model):
    User = get_user_model()
    JournalEntry.objects.filter(author=request.user)
    Meeting._default_manager.all()
    supervision_models.Programme.objects.get(pk=pk)
    get_object_or_404(Meeting, pk=pk)
    User.objects.all()
    model.objects.all()
    JournalEntry.objects.none()  # can return nothing: allowed
    request.user.journal_entries.all()  # a related manager: allowed
"""


def test_the_scanner_reports_each_way_of_reaching_a_manager():
    offences = scan("supervision/views/planted.py", PLANTED, sensitive_models())
    assert [(o.line, o.where) for o in offences] == [
        (12, "leaky_view"),
        (13, "leaky_view"),
        (14, "leaky_view"),
        (15, "leaky_view"),
        (16, "leaky_view"),
        (17, "leaky_view"),
    ]
    assert "(which model?)" in str(offences[-1])
    assert str(offences[0]).startswith("supervision/views/planted.py:12: JournalEntry.objects")
