"""Django's admin is no back door to confidential text.

Every model registered in the admin is walked as a superuser — its list (and a
search for the secret), its add page, and the change, history and delete pages
of every row — with a known marker written into every encrypted field of every
model. Registered models and encrypted fields are both discovered, so a
ModelAdmin or an encrypted field added later is covered without editing this
file. A second test registers naive ModelAdmins on a site of its own to prove
the walk would catch a leak.
"""

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.db import models
from django.urls import include, path, reverse

from supervision_site.encryption import models_with_encrypted_fields
from tests.factories import UserFactory

from .confidential_records import (
    MARKER,
    assert_every_encrypted_field_is_covered,
    create_confidential_records,
)

pytestmark = pytest.mark.django_db


class CarelessAdmin(admin.ModelAdmin):
    """Every field, as a bare registration gives; URL inputs told their scheme only so
    that Django 6's change of default does not warn (a session has a meeting link)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


# A site that shows everything, as a careless registration would.
leaky_site = AdminSite(name="leaky")
for _model, _fields in models_with_encrypted_fields():
    leaky_site.register(_model, CarelessAdmin)

# Used by the test marked @pytest.mark.urls(__name__) below only.
urlpatterns = [
    path("leaky-admin/", leaky_site.urls),
    path("", include("supervision_site.urls")),
]


@pytest.fixture
def confidential(organisation, supervisee, supervisor, peer_supporter):
    records = create_confidential_records(
        organisation=organisation,
        supervisee=supervisee,
        supervisor=supervisor,
        peer_supporter=peer_supporter,
        marker=MARKER,
    )
    assert_every_encrypted_field_is_covered(records, MARKER)
    return records


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


def admin_pages(site):
    """Every admin page of every registered model and of each of its rows."""
    pages = [reverse(f"{site.name}:index")]
    for model in site._registry:
        opts = model._meta
        name = f"{site.name}:{opts.app_label}_{opts.model_name}"
        changelist = reverse(f"{name}_changelist")
        pages += [
            reverse(f"{site.name}:app_list", args=[opts.app_label]),
            changelist,
            # The search box echoes its query, so search for a part of the marker.
            f"{changelist}?q={MARKER[:-3]}",
            reverse(f"{name}_add"),
        ]
        for pk in model._default_manager.values_list("pk", flat=True):
            pages += [
                reverse(f"{name}_{view}", args=[pk]) for view in ("change", "history", "delete")
            ]
    return pages


def walk(client, site):
    """The pages whose HTML carries the marker, and any page that failed."""
    leaks, failures = [], []
    for url in admin_pages(site):
        response = client.get(url)
        if response.status_code not in (200, 302, 403):
            failures.append((url, response.status_code))
        if MARKER in response.content.decode():
            leaks.append(url)
    return leaks, failures


def test_no_admin_page_shows_confidential_text(client, confidential, superuser):
    client.force_login(superuser)
    leaks, failures = walk(client, admin.site)
    assert not failures
    assert not leaks, f"confidential text in the admin at {leaks}"


# Registered although they hold confidential text: their admin shows only the
# other fields (the outbox's who, kind, when and state; never its payload).
REGISTERED_WITHOUT_THEIR_ENCRYPTED_FIELDS = {"notifications.Notification"}


def test_the_models_holding_confidential_text_are_not_in_the_admin():
    registered = set(admin.site._registry)
    exposed = [m._meta.label for m, _ in models_with_encrypted_fields() if m in registered]
    assert set(exposed) <= REGISTERED_WITHOUT_THEIR_ENCRYPTED_FIELDS


def test_an_admin_of_a_model_holding_confidential_text_names_none_of_those_fields(rf, superuser):
    """Asked of the admin itself, so one that shows "every field" fails here."""
    request = rf.get("/admin/")
    request.user = superuser
    named = []
    for model, fields in models_with_encrypted_fields():
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue
        shown = {
            *model_admin.get_fields(request),
            *model_admin.get_readonly_fields(request),
            *model_admin.get_list_display(request),
            *model_admin.get_search_fields(request),
            *(f for f in model_admin.get_list_filter(request) if isinstance(f, str)),
        }
        named += [f"{model._meta.label}.{f.name}" for f in fields if f.name in shown]
    assert not named


def test_no_admin_inline_edits_a_model_holding_confidential_text():
    encrypted = {model for model, _ in models_with_encrypted_fields()}
    inlines = [
        f"{type(model_admin).__name__}.{inline.__name__}"
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
        if inline.model in encrypted
    ]
    assert not inlines


@pytest.mark.urls(__name__)
def test_the_walk_would_catch_an_admin_that_showed_it(client, confidential, superuser):
    client.force_login(superuser)
    leaks, failures = walk(client, leaky_site)
    assert not failures
    leaked_models = {url.split("/")[3] for url in leaks}  # /leaky-admin/<app>/<model>/...
    assert leaked_models == {m._meta.model_name for m, _ in models_with_encrypted_fields()}
