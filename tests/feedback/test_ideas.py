"""Improvement ideas: seen by the author's department and programme admins, no one else.

`supervisee` writes the idea. `colleague` shares their department. Every other
fixture has a department of its own (the factory makes one each), so among
them only `programme_admin` (of the same trust) can see it; `outsider` is an
admin of another trust.
"""

import datetime

import pytest
import time_machine
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from feedback import personal_data
from feedback.models import ImprovementIdea
from feedback.services.ideas import idea_create, idea_update
from notifications.models import Notification
from notifications.sending import deliver
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


# --- The author's words are theirs ------------------------------------------------
#
# One rule (`idea_update`, by `IdeaRights`): the author changes their words; a
# programme admin changes the status and writes the programme team's response,
# and changes the author's words only giving a reason, after which the idea
# says who edited it and when, and the author is told.

EDIT_DAY = datetime.datetime(2026, 12, 5, 15, 30, tzinfo=datetime.UTC)
Reason = ImprovementIdea.EditReason


@pytest.fixture
def sam(programme_admin):
    programme_admin.first_name, programme_admin.last_name = "Sam", "Whitaker"
    programme_admin.save(update_fields=["first_name", "last_name"])
    return programme_admin


def _changes(idea) -> list[Notification]:
    return list(Notification.objects.filter(kind="idea_changed", target_id=idea.pk))


def test_author_rewords_their_own_idea_and_it_says_nothing_of_an_edit(client, idea, supervisee):
    client.force_login(supervisee)
    url = reverse("feedback:idea_edit", args=[idea.pk])
    assert "edit_reason" not in client.get(url).context["form"].fields
    response = client.post(url, edit_data(idea, description="A two-page checklist."))
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.description == "A two-page checklist."
    assert idea.words_edited_by is None
    assert idea.words_edited_at is None
    assert "Edited by" not in client.get(reverse("feedback:idea", args=[idea.pk])).content.decode()
    assert _changes(idea) == []  # nobody to tell: it was them


def test_admin_moves_the_idea_along_and_responds_in_their_own_name(client, idea, sam, supervisee):
    client.force_login(sam)
    url = reverse("feedback:idea_edit", args=[idea.pk])
    data = edit_data(idea, status=Status.IN_PROGRESS, response="Trialling it on Ward 7 in January.")
    with time_machine.travel(EDIT_DAY, tick=False):
        assert client.post(url, data).status_code == 302
    idea.refresh_from_db()
    assert idea.status == Status.IN_PROGRESS
    assert idea.response == "Trialling it on Ward 7 in January."
    assert idea.responded_by == sam
    # The author's words were sent back unchanged: no edit to show.
    assert idea.description == "A one-page checklist."
    assert idea.words_edited_by is None
    page = client.get(reverse("feedback:idea", args=[idea.pk])).content.decode()
    assert "Trialling it on Ward 7 in January." in page
    assert "Sam Whitaker (programme admin), 5 December 2026" in page
    assert "Edited by" not in page
    entry = AuditEntry.objects.get(action="idea.updated")
    assert entry.details["changed"] == ["response"]
    assert "Trialling" not in str(entry.details) + entry.summary
    [notice] = _changes(idea)
    assert notice.recipient == supervisee
    assert notice.payload == {"by": sam.pk, "words": False, "status": True, "response": True}


def test_admin_posting_new_words_straight_to_the_edit_url_without_a_reason_is_refused(
    client, idea, sam
):
    """The attack: the words are posted as the author's, with nothing to say who wrote them."""
    client.force_login(sam)
    url = reverse("feedback:idea_edit", args=[idea.pk])
    response = client.post(
        url, edit_data(idea, description="Rewritten by the programme team.", title="Ours now")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "nhsuk-error-summary" in page
    assert "Choose why you are changing what the author wrote" in page
    idea.refresh_from_db()
    assert idea.description == "A one-page checklist."
    assert idea.title == "Handover checklist for night shift"
    assert not AuditEntry.objects.filter(action__in=["idea.updated", "idea.words_edited"]).exists()
    assert _changes(idea) == []


def test_an_admins_edit_of_the_authors_words_is_shown_beside_logged_by(
    client, idea, sam, supervisee, colleague, mailoutbox
):
    supervisee.first_name, supervisee.last_name = "Priya", "Shah"
    supervisee.save(update_fields=["first_name", "last_name"])
    client.force_login(sam)
    url = reverse("feedback:idea_edit", args=[idea.pk])
    form = client.get(url).context["form"]
    assert "edit_reason" in form.fields  # offered, folded away, with the reasons
    with time_machine.travel(EDIT_DAY, tick=False):
        response = client.post(
            url,
            edit_data(
                idea,
                description="A one-page checklist (patient name removed).",
                edit_reason=Reason.PERSONAL_DETAILS,
            ),
        )
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.description == "A one-page checklist (patient name removed)."
    assert idea.author == supervisee  # still theirs
    assert (idea.words_edited_by, idea.words_edit_reason) == (sam, Reason.PERSONAL_DETAILS)

    # Everyone who can see the idea sees that it was edited, and by whom.
    client.force_login(colleague)
    page = client.get(reverse("feedback:idea", args=[idea.pk])).content.decode()
    assert "Priya Shah" in page
    assert "Edited by Sam Whitaker (programme admin) on 5 December 2026" in page
    assert "to remove personal or identifying details" in page
    listing = client.get(reverse("feedback:ideas")).content.decode()
    assert "Edited by Sam Whitaker (programme admin) on 5 December 2026" in listing

    entry = AuditEntry.objects.get(action="idea.words_edited")
    assert entry.actor == sam
    assert entry.details["changed"] == ["description"]
    assert entry.details["edit_reason"] == Reason.PERSONAL_DETAILS
    assert "checklist" not in str(entry.details) + entry.summary  # never the words

    # Their own data says so too.
    [exported] = personal_data.export_for(supervisee)["improvement_ideas"]
    assert exported["edited_by_a_programme_admin"] == EDIT_DAY

    # The author is told, once, by email and in the app, without the words.
    [notice] = _changes(idea)
    assert notice.recipient == supervisee
    deliver(notice.pk)
    [email] = mailoutbox
    assert email.to == [supervisee.email]
    assert email.subject == "Sam Whitaker changed your improvement idea"
    assert "edited what you wrote, to remove personal or identifying details" in email.body
    assert "patient name removed" not in email.body
    assert reverse("feedback:idea", args=[idea.pk]) in email.body


def test_the_author_can_change_nothing_that_is_the_programme_teams(client, idea, supervisee):
    client.force_login(supervisee)
    url = reverse("feedback:idea_edit", args=[idea.pk])
    assert "response" not in client.get(url).context["form"].fields
    client.post(url, edit_data(idea, response="Approved by the board"))
    idea.refresh_from_db()
    assert idea.response == ""
    with pytest.raises(PermissionDenied):
        idea_update(actor=supervisee, idea=idea, response="Approved by the board")
    idea.refresh_from_db()
    assert idea.response == ""


@pytest.mark.parametrize("role", ["colleague", "outsider", "supervisor"])
def test_nobody_else_changes_an_idea_whatever_path_they_take(idea, role, request):
    person = request.getfixturevalue(role)
    for change in ({"status": Status.PARKED}, {"description": "Mine now."}):
        with pytest.raises(PermissionDenied):
            idea_update(actor=person, idea=idea, **change)
    idea.refresh_from_db()
    assert (idea.status, idea.description) == (Status.IDEA, "A one-page checklist.")


def test_service_refuses_an_admins_edit_without_one_of_the_reasons(idea, programme_admin):
    for reason in ("", "because I can"):
        with pytest.raises(ValidationError) as refused:
            idea_update(actor=programme_admin, idea=idea, title="Better title", edit_reason=reason)
        assert "edit_reason" in refused.value.error_dict
    idea.refresh_from_db()
    assert idea.title == "Handover checklist for night shift"


def test_words_sent_back_as_a_browser_sends_them_are_not_an_edit(client, sam, supervisee):
    idea = idea_create(actor=supervisee, title="Rota", description="Line one\nLine two")
    client.force_login(sam)
    url = reverse("feedback:idea_edit", args=[idea.pk])
    data = edit_data(idea, description="Line one\r\nLine two  ", status=Status.PARKED)
    del data["from_supervision"]  # an unticked box is not posted
    assert client.post(url, data).status_code == 302
    idea.refresh_from_db()
    assert idea.status == Status.PARKED
    assert idea.words_edited_by is None


def test_an_admin_who_wrote_the_idea_edits_it_as_its_author(client, sam):
    idea = idea_create(actor=sam, title="Team huddles", description="Five minutes at 8.")
    client.force_login(sam)
    url = reverse("feedback:idea_edit", args=[idea.pk])
    form = client.get(url).context["form"]
    assert "edit_reason" not in form.fields
    assert "response" in form.fields
    assert client.post(url, edit_data(idea, description="Ten minutes at 8.")).status_code == 302
    idea.refresh_from_db()
    assert idea.description == "Ten minutes at 8."
    assert idea.words_edited_by is None


def test_ideas_have_no_django_admin_back_door():
    """Ideas change only through `idea_update`. Registering them in Django's admin
    would be a path around the rule: do it only with a ModelAdmin that calls the
    service, and test it here."""
    assert not admin.site.is_registered(ImprovementIdea)
