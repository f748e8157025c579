"""Improvement ideas: seen by the author's department and programme admins, no one else.

`supervisee` writes the idea. `colleague` shares their department. Every other
fixture has a department of its own (the factory makes one each), so among
them only `programme_admin` (of the same trust) can see it; `outsider` is an
admin of another trust.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from feedback.models import ImprovementIdea
from feedback.services.ideas import idea_create
from tests.factories import StaffProfileFactory

pytestmark = pytest.mark.django_db

Status = ImprovementIdea.Status


@pytest.fixture
def idea(supervisee):
    return idea_create(
        actor=supervisee,
        title="Handover checklist for night shift",
        description="A one-page checklist.",
        team="Ward 7 nurses",
        from_supervision=True,
    )


@pytest.fixture
def colleague(supervisee):
    profile = supervisee.profile
    return StaffProfileFactory(
        organisation=profile.organisation, department=profile.department
    ).user


def edit_data(idea, **overrides):
    data = {
        "title": idea.title,
        "description": idea.description,
        "team": idea.team,
        "from_supervision": "on",
        "status": idea.status,
    }
    return data | overrides


def test_staff_member_logs_an_idea_for_their_department(client, supervisee):
    client.force_login(supervisee)
    response = client.post(
        reverse("feedback:idea_add"),
        {"title": "Quieter drug round", "description": "Tabards.", "from_supervision": "on"},
    )
    idea = ImprovementIdea.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("feedback:idea", args=[idea.pk])
    assert idea.department_id == supervisee.profile.department_id
    assert idea.organisation_id == supervisee.profile.organisation_id
    assert idea.from_supervision
    assert idea.status == Status.IDEA
    entry = AuditEntry.objects.get(action="idea.created")
    assert "Tabards" not in str(entry.details) + entry.summary


def test_an_idea_names_no_session(idea):
    field_names = {field.name for field in ImprovementIdea._meta.get_fields()}
    assert not any("session" in name for name in field_names)


def test_blank_idea_is_refused_with_an_error_summary(client, supervisee):
    client.force_login(supervisee)
    response = client.post(reverse("feedback:idea_add"), {"title": "", "description": ""})
    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()
    assert not ImprovementIdea.objects.exists()


def test_department_colleague_sees_the_idea(client, idea, colleague):
    client.force_login(colleague)
    assert client.get(reverse("feedback:idea", args=[idea.pk])).status_code == 200
    assert idea.title in client.get(reverse("feedback:ideas")).content.decode()


def test_programme_admin_sees_the_idea(client, idea, programme_admin):
    client.force_login(programme_admin)
    assert client.get(reverse("feedback:idea", args=[idea.pk])).status_code == 200
    assert idea.title in client.get(reverse("feedback:ideas")).content.decode()


@pytest.mark.parametrize("role", ["other_supervisee", "supervisor", "wellbeing_lead", "outsider"])
def test_other_departments_and_organisations_get_404(client, idea, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("feedback:idea", args=[idea.pk])).status_code == 404
    assert client.get(reverse("feedback:idea_edit", args=[idea.pk])).status_code == 404
    assert idea.title not in client.get(reverse("feedback:ideas")).content.decode()


def test_author_moves_the_idea_along(client, idea, supervisee):
    client.force_login(supervisee)
    url = reverse("feedback:idea_edit", args=[idea.pk])
    assert client.post(url, edit_data(idea, status=Status.IN_PROGRESS)).status_code == 302
    idea.refresh_from_db()
    assert client.post(url, edit_data(idea, status=Status.DONE)).status_code == 302
    idea.refresh_from_db()
    assert idea.status == Status.DONE
    statuses = [
        entry.details["status"] for entry in AuditEntry.objects.filter(action="idea.updated")
    ]
    assert sorted(statuses) == sorted([Status.IN_PROGRESS, Status.DONE])


def test_programme_admin_parks_an_idea(client, idea, programme_admin):
    client.force_login(programme_admin)
    url = reverse("feedback:idea_edit", args=[idea.pk])
    assert client.post(url, edit_data(idea, status=Status.PARKED)).status_code == 302
    idea.refresh_from_db()
    assert idea.status == Status.PARKED


def test_an_idea_cannot_jump_straight_to_done(client, idea, supervisee):
    client.force_login(supervisee)
    response = client.post(
        reverse("feedback:idea_edit", args=[idea.pk]), edit_data(idea, status=Status.DONE)
    )
    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()
    idea.refresh_from_db()
    assert idea.status == Status.IDEA


def test_colleague_who_can_see_it_cannot_change_it(client, idea, colleague):
    client.force_login(colleague)
    url = reverse("feedback:idea_edit", args=[idea.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, edit_data(idea, status=Status.PARKED)).status_code == 403
    idea.refresh_from_db()
    assert idea.status == Status.IDEA


def test_list_filters_by_status(client, idea, supervisee):
    other = idea_create(actor=supervisee, title="Parking permits", description="More.")
    ImprovementIdea.objects.filter(pk=other.pk).update(status=Status.IN_PROGRESS)
    client.force_login(supervisee)
    page = client.get(reverse("feedback:ideas"), {"status": "in_progress"}).content.decode()
    assert "Parking permits" in page
    assert idea.title not in page
    # A status that does not exist is an error message, not a failure.
    response = client.get(reverse("feedback:ideas"), {"status": "<script>"})
    assert response.status_code == 200


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["colleague", "programme_admin"])
def test_ideas_list_query_count_does_not_grow(client, supervisee, colleague, role, request):
    idea_create(actor=supervisee, title="One", description="x")
    client.force_login(request.getfixturevalue(role))
    url = reverse("feedback:ideas")
    one = _count(client, url)
    for n in range(19):
        author = supervisee if n % 2 else colleague
        idea_create(actor=author, title=f"Idea {n}", description="x")
    # session, user, roles, own profile, the ideas with author and department
    assert _count(client, url) == one


# --- Every URL as every role ---------------------------------------------------

# For idea URLs the idea is the supervisee's; every other role is in a department
# of its own, so only programme_admin (same trust) may see it.
MATRIX = {
    "wellbeing": {
        "anonymous": 302,
        "supervisee": 200,
        "supervisor": 200,
        "facilitator": 200,
        "peer_supporter": 200,
        "programme_admin": 200,
        "wellbeing_lead": 200,
        "outsider": 200,
    },
    "wellbeing_checkin": {
        "anonymous": 302,
        "supervisee": 200,
        "supervisor": 200,
        "facilitator": 200,
        "peer_supporter": 200,
        "programme_admin": 200,
        "wellbeing_lead": 200,
        "outsider": 200,
    },
    "ideas": {
        "anonymous": 302,
        "supervisee": 200,
        "supervisor": 200,
        "facilitator": 200,
        "peer_supporter": 200,
        "programme_admin": 200,
        "wellbeing_lead": 200,
        "outsider": 200,
    },
    "idea_add": {
        "anonymous": 302,
        "supervisee": 200,
        "supervisor": 200,
        "facilitator": 200,
        "peer_supporter": 200,
        "programme_admin": 200,
        "wellbeing_lead": 200,
        "outsider": 200,
    },
    "idea": {
        "anonymous": 302,
        "supervisee": 200,
        "supervisor": 404,
        "facilitator": 404,
        "peer_supporter": 404,
        "programme_admin": 200,
        "wellbeing_lead": 404,
        "outsider": 404,
    },
    "idea_edit": {
        "anonymous": 302,
        "supervisee": 200,
        "supervisor": 404,
        "facilitator": 404,
        "peer_supporter": 404,
        "programme_admin": 200,
        "wellbeing_lead": 404,
        "outsider": 404,
    },
}


@pytest.mark.parametrize("name", MATRIX)
def test_every_url_as_every_role(client, role_users, idea, name):
    args = [idea.pk] if name in ("idea", "idea_edit") else []
    url = reverse(f"feedback:{name}", args=args)
    for role, expected in MATRIX[name].items():
        client.logout()
        if role_users[role] is not None:
            client.force_login(role_users[role])
        assert client.get(url).status_code == expected, role


def test_an_idea_from_a_session_record_keeps_no_link_to_the_session(client, supervisee):
    client.force_login(supervisee)
    response = client.get(reverse("feedback:idea_add") + "?from=supervision")
    assert response.context["form"]["from_supervision"].value() is True
    client.post(
        reverse("feedback:idea_add"),
        {
            "title": "Handover checklist",
            "description": "Shorter handovers",
            "team": "",
            "from_supervision": "on",
        },
    )
    idea = ImprovementIdea.objects.get(title="Handover checklist")
    assert idea.from_supervision is True
    assert not any("session" in field.name for field in ImprovementIdea._meta.get_fields())
