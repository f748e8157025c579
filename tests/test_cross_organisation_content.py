"""No response shows a word of another organisation's data (issue 14).

The role x URL matrix (test_url_matrix.py) checks status codes; a 200 can still
list another trust's people in a choice field, count its sessions in a home
page section or name its programmes in a CSV file. This test builds a second
organisation with the same shape of data as the first (tests/records.py's
records and a row of every model with an encrypted field), then writes a
marker into every name, title and free-text field of every row that building
it added (people's names and addresses, the organisation's name included).
Signed in as each role of the first organisation, it requests every URL of
the matrix (its records, URL arguments and method) and, besides, each CSV
table of the report and the report filtered by the second organisation's
ids; any marker in any response fails it: pages, choice fields, home page
sections, CSV and calendar files alike.

The Django admin's URLs are left out: none of these roles is staff, and
test_admin_confidentiality.py walks the admin as a superuser.
"""

import pytest
from django.apps import apps
from django.db import models, transaction
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import audit_log
from kernel.models import Role
from reports.report import SLUGS
from tests.confidential_records import create_confidential_records
from tests.factories import OrganisationFactory, RoleGrantFactory, StaffProfileFactory, UserFactory
from tests.records import build_records
from tests.test_url_matrix import ROLES, _outcome, _url, all_url_names, expected_for

MARK = "Xorgmark"
# Codes and machinery, not words anyone reads: a marker there would only break the data.
NOT_TEXT = {
    "password",
    "time_zone",
    "action",
    "target_type",
    "target_id",
    "kind",
    "band",
    "profession",
}
FIRST_ORGANISATION_ROLES = [role for role in ROLES if role != "outsider"]


class Markers:
    """Distinct marker strings, each fitting the field it goes in."""

    def __init__(self):
        self.count = 0

    def text(self, max_length: int | None = None) -> str:
        self.count += 1
        return f"{MARK}{self.count:04d}"[: max_length or None]

    def email(self) -> str:
        return f"{self.text().lower()}@second.example"

    def value_for(self, field, current):
        if field.name in NOT_TEXT or field.choices:
            return current
        if isinstance(field, models.EmailField):
            return self.email()
        if isinstance(field, models.URLField):
            return f"https://{self.text().lower()}.example/"
        if isinstance(field, models.SlugField):
            return self.text(field.max_length).lower()
        if isinstance(field, models.JSONField) or not isinstance(current, str):
            # Free text kept as a dict of sections (the journal's); lists are codes.
            if isinstance(current, dict) and all(isinstance(v, str) for v in current.values()):
                return {key: self.text() for key in current}
            return current
        if isinstance(field, models.CharField | models.TextField):
            return self.text(field.max_length)
        return current


def _everything():
    return {
        model: set(model._default_manager.values_list("pk", flat=True))
        for model in apps.get_models()
    }


def _mark_rows_added_since(before, markers: Markers) -> int:
    """Write markers into the text fields of every row added since `before`."""
    marked = 0
    for model, pks in _everything().items():
        if model is AuditEntry:
            continue  # append-only: the entry the fixture writes carries a marker instead
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        for obj in model._default_manager.filter(pk__in=pks - before[model]):
            changes = {}
            for field in fields:
                current = field.value_from_object(obj)
                new = markers.value_for(field, current)
                if new != current:
                    changes[field.attname] = new
            if changes:
                # Through the fields' own preparation (encrypted fields encrypt),
                # without save() and its signals.
                model._default_manager.filter(pk=obj.pk).update(**changes)
                marked += 1
    return marked


def _person(organisation, markers, *roles):
    user = UserFactory(first_name=markers.text(), last_name=markers.text(), email=markers.email())
    StaffProfileFactory(organisation=organisation, user=user, job_title=markers.text())
    for role in roles:
        RoleGrantFactory(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def second_organisation(records, organisation):
    """Another trust with the same data as the first, a marker in every word of it."""
    markers = Markers()
    before = _everything()
    second = OrganisationFactory(name=f"{markers.text()} NHS Trust", slug="second")
    people = {
        "supervisee": _person(second, markers),
        "supervisor": _person(second, markers, Role.SUPERVISOR),
        "facilitator": _person(second, markers, Role.FACILITATOR),
        "peer_supporter": _person(second, markers, Role.PEER_SUPPORTER),
        "programme_admin": _person(second, markers, Role.PROGRAMME_ADMIN),
        "wellbeing_lead": _person(second, markers, Role.WELLBEING_LEAD),
    }
    their_records = build_records(
        organisation=second,
        supervisee=people["supervisee"],
        supervisor=people["supervisor"],
        facilitator=people["facilitator"],
        peer_supporter=people["peer_supporter"],
    )
    create_confidential_records(
        organisation=second,
        supervisee=people["supervisee"],
        supervisor=people["supervisor"],
        peer_supporter=people["peer_supporter"],
        marker=MARK,
    )
    audit_log(
        actor=people["programme_admin"],
        action="staff.invited",
        target=people["supervisee"].profile,
        summary=f"{people['supervisee'].email} invited ({markers.text()})",
        organisation_id=second.pk,
    )
    assert _mark_rows_added_since(before, markers) > 50
    # The first organisation has the same again (its `records` came first).
    create_confidential_records(
        organisation=organisation,
        supervisee=records["person"].user,
        supervisor=records["agreement"].supervisor,
        peer_supporter=records["support_request"].supporter,
        marker="first-organisation",
    )
    return {"organisation": second, "records": their_records}


def _requests(records, second):
    """(method, url, expected status or None) of every URL to walk."""
    for name in all_url_names():
        if name.startswith("admin:"):
            continue
        spec = expected_for(name)
        yield name, spec["method"], _url(name, records), spec["expected"]
    for table in SLUGS:
        yield "reports:export", "get", reverse("reports:export", args=[table]), None
    their = second["records"]
    filters = (
        f"?organisation={second['organisation'].pk}&department={their['department'].pk}"
        f"&programme={their['programme'].pk}"
    )
    for name in ("reports:engagement", "reports:summary", "reports:compliance"):
        yield name, "get", reverse(name) + filters, None


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.mark.parametrize("role", FIRST_ORGANISATION_ROLES)
def test_no_response_to_the_first_organisation_shows_the_second(
    client, role_users, records, second_organisation, role
):
    if role_users[role] is not None:
        client.force_login(role_users[role])
    leaks, wrong = [], {}
    for name, method, url, expected in _requests(records, second_organisation):
        # Each request is undone, so a post cannot change what the next one sees.
        with transaction.atomic():
            response = getattr(client, method)(url)
            body = _body(response)
            transaction.set_rollback(True)
        if expected is not None and _outcome(response) != expected[role]:
            wrong[name] = f"expected {expected[role]}, got {_outcome(response)}"
        if MARK.lower() in body.lower():
            at = body.lower().index(MARK.lower())
            leaks.append(f"{method.upper()} {url}: …{body[max(at - 80, 0) : at + 40]}…")
    assert wrong == {}, "the pages did not answer as the role x URL matrix says"
    assert leaks == [], f"{role} sees the second organisation:\n" + "\n".join(leaks)


def test_the_second_organisation_is_marked_everywhere(second_organisation):
    """A name, title or free-text field left unmarked would be a leak this test misses."""
    their = second_organisation["records"]
    for obj in (
        second_organisation["organisation"],
        their["programme"],
        their["department"],
        their["group"],
        their["resource"],
        their["idea"],
        their["person"].user,
        their["theme"],
    ):
        obj.refresh_from_db()
        assert MARK.lower() in str(obj).lower(), obj
