"""The supporters' learning library: programme admins curate, staff browse their audience.

Files never sit behind a public URL: they download through a view that checks
who is asking.
"""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from peergroups.models import Resource

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 after an adverse event: a guide for supporters"


def url(name, **kwargs):
    return reverse(f"peergroups:{name}", kwargs=kwargs or None)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def pdf(name="trim-guide.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def library(organisation, other_organisation, programme_admin):
    def add(title, audience, organisation=organisation, **kwargs):
        kwargs.setdefault("link", "https://www.england.nhs.uk/supporting-our-nhs-people/")
        return Resource.objects.create(
            organisation=organisation,
            title=title,
            audience=audience,
            created_by=programme_admin,
            **kwargs,
        )

    guide = Resource(
        organisation=organisation, title="Supporter guide", audience="supporters", link=""
    )
    guide.file.save("trim-guide.pdf", pdf(), save=True)
    return {
        "everyone": add("Looking after yourself after an incident", "everyone"),
        "supporters": guide,
        "facilitators": add("Running a reflective practice group", "facilitators"),
        "elsewhere": add("Eastbrook wellbeing hub", "everyone", organisation=other_organisation),
    }


def titles(client):
    return {resource.title for resource in client.get(url("resources")).context["resources"]}


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("supervisee", {"everyone"}),
        ("supervisor", {"everyone"}),
        ("wellbeing_lead", {"everyone"}),
        ("peer_supporter", {"everyone", "supporters"}),
        ("facilitator", {"everyone", "facilitators"}),
        ("programme_admin", {"everyone", "supporters", "facilitators"}),
        ("outsider", {"elsewhere"}),
    ],
)
def test_staff_browse_the_resources_for_their_audience(client, library, role_users, role, sees):
    client.force_login(role_users[role])
    assert titles(client) == {library[key].title for key in sees}


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("supervisee", 404),
        ("facilitator", 404),
        ("outsider", 404),
        ("peer_supporter", 200),
        ("programme_admin", 200),
    ],
)
def test_a_file_downloads_only_for_those_it_is_for(client, library, role_users, role, status):
    client.force_login(role_users[role])
    response = client.get(url("resource_file", pk=library["supporters"].pk))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"


def test_anonymous_visitors_cannot_download(client, library):
    response = client.get(url("resource_file", pk=library["supporters"].pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_resource_with_only_a_link_has_no_file_to_download(client, library, supervisee):
    client.force_login(supervisee)
    assert client.get(url("resource_file", pk=library["everyone"].pk)).status_code == 404


def test_programme_admin_adds_a_resource_with_a_file(client, programme_admin, organisation):
    client.force_login(programme_admin)
    assert client.get(url("resource_add")).status_code == 200
    response = client.post(
        url("resource_add"),
        {
            "title": "TRiM: the first 72 hours",
            "description": "What to expect",
            "link": "",
            "file": pdf(),
            "audience": "supporters",
            "category": "After an adverse event",
        },
    )
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert (resource.organisation, resource.audience, resource.created_by) == (
        organisation,
        "supporters",
        programme_admin,
    )
    assert resource.file.read() == PDF
    assert AuditEntry.objects.filter(action="resource.added").count() == 1


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"link": "http://example.org/guide"}, "https://"),
        ({"link": "javascript:alert(1)"}, "https://"),
        ({"link": "https://"}, "right format"),
        ({"link": ""}, "Enter a link or upload a file"),
        ({"file": "evil.html"}, "The file must be one of"),
        ({"title": ""}, "Enter a title"),
        ({"audience": "everybody"}, "Select who it is for from the options shown"),
        ({"title": "x" * 300}, "The title must be 200 characters or fewer"),
    ],
)
def test_a_bad_resource_is_explained_not_saved(client, programme_admin, overrides, error):
    client.force_login(programme_admin)
    data: dict[str, Any] = {
        "title": "Guide",
        "link": "https://example.org/",
        "audience": "everyone",
    }
    if overrides.get("file"):
        data["file"] = SimpleUploadedFile(overrides.pop("file"), b"<script>", "text/html")
    data.update(overrides)
    response = client.post(url("resource_add"), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Resource.objects.exists()


def test_only_programme_admins_add_resources(client, supervisee, peer_supporter):
    for person in (supervisee, peer_supporter):
        client.force_login(person)
        assert client.get(url("resource_add")).status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [("supervisee", 403), ("peer_supporter", 403), ("outsider", 404), ("programme_admin", 200)],
)
def test_only_the_organisations_admins_change_or_delete(client, library, role_users, role, status):
    client.force_login(role_users[role])
    pk = library["everyone"].pk
    assert client.get(url("resource_edit", pk=pk)).status_code == status
    assert client.get(url("resource_delete", pk=pk)).status_code == status


def test_staff_who_may_not_see_a_resource_get_404_not_403(client, library, supervisee):
    client.force_login(supervisee)
    assert client.get(url("resource_edit", pk=library["supporters"].pk)).status_code == 404


def test_replacing_the_file_keeps_the_resource_and_deletes_the_old_file(
    client, library, programme_admin, media, django_capture_on_commit_callbacks
):
    guide = library["supporters"]
    old = media / guide.file.name
    assert old.exists()
    client.force_login(programme_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("resource_edit", pk=guide.pk),
            {
                "title": "Supporter guide (2027)",
                "link": "",
                "file": pdf("guide-2027.pdf", b"%PDF new"),
                "audience": "supporters",
            },
        )
    assert response.status_code == 302
    guide.refresh_from_db()
    assert guide.title == "Supporter guide (2027)"
    assert guide.file.read() == b"%PDF new"
    assert not old.exists()


def test_removing_the_only_file_without_a_link_is_refused(client, library, programme_admin):
    guide = library["supporters"]
    client.force_login(programme_admin)
    response = client.post(
        url("resource_edit", pk=guide.pk),
        {"title": guide.title, "link": "", "audience": "supporters", "remove_file": "on"},
    )
    assert response.status_code == 200
    assert "Enter a link or upload a file" in response.content.decode()


def test_deleting_a_resource_removes_its_file(
    client, library, programme_admin, media, django_capture_on_commit_callbacks
):
    guide = library["supporters"]
    stored = media / guide.file.name
    client.force_login(programme_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("resource_delete", pk=guide.pk))
    assert response.status_code == 302
    assert not Resource.objects.filter(pk=guide.pk).exists()
    assert not stored.exists()
    assert AuditEntry.objects.filter(action="resource.deleted").count() == 1


def _queries(client):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url("resources")).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("role", ["peer_supporter", "programme_admin"])
def test_the_library_takes_the_same_queries_for_1_or_20_resources(
    client, organisation, role_users, role
):
    def add(n):
        Resource.objects.create(
            organisation=organisation,
            title=f"Resource {n}",
            link="https://example.org/",
            audience="supporters",
            category=f"Category {n % 3}",
        )

    add(0)
    client.force_login(role_users[role])
    one = _queries(client)
    for n in range(1, 20):
        add(n)
    # session, user with own profile, roles, the resources, their learning
    # communities; for a programme admin also whether they have an authenticator
    # app (two-factor is required of them).
    assert _queries(client) == one == (6 if role == "programme_admin" else 5)
