"""The learning community (seed 001): peer supporters of several organisations together.

A person sees a community, the resources shared with it and its threads if and
only if they support or coordinate peer support in a member organisation.
"""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from kernel.models import Role
from notifications.models import Notification
from peergroups.models import CommunityReply, CommunityThread, LearningCommunity, Resource
from peergroups.notifications_community import REPLY
from peergroups.services.community import reply_create, thread_create
from peergroups.services.resources import resource_create
from tests.confidential_records import stored
from tests.factories import OrganisationFactory, RoleGrantFactory, StaffProfileFactory, UserFactory
from tests.outbox import deliver_due

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"peergroups:{name}", args=args)


def person(organisation, *roles):
    profile = StaffProfileFactory(organisation=organisation)
    for role in roles:
        RoleGrantFactory(user=profile.user, organisation=organisation, role=role)
    return profile.user


@pytest.fixture
def northgate(db):
    return OrganisationFactory(name="Northgate Community Health", slug="northgate")


@pytest.fixture
def community(organisation, northgate, programme_admin):
    """Westfield (the `organisation`) and Northgate; Westfield's programme admin moderates."""
    community = LearningCommunity.objects.create(name="North region peer support")
    community.organisations.add(organisation, northgate)
    community.coordinators.add(programme_admin)
    return community


@pytest.fixture
def northgate_supporter(northgate):
    return person(northgate, Role.PEER_SUPPORTER)


@pytest.fixture
def shared(community, northgate, northgate_supporter):
    """A resource Northgate shared with the community (for Northgate's supporters only)."""
    admin = person(northgate, Role.PROGRAMME_ADMIN)
    return resource_create(
        actor=admin,
        organisation=northgate,
        title="Listening after a difficult birth",
        link="https://www.england.nhs.uk/supporting-our-nhs-people/",
        audience=Resource.Audience.SUPPORTERS,
        communities=[community],
    )


# --- Who sees the community ------------------------------------------------------------


def test_a_supporter_of_either_member_organisation_sees_the_community(
    client, community, peer_supporter, northgate_supporter
):
    for user in (peer_supporter, northgate_supporter):
        client.force_login(user)
        page = client.get(url("community", community.pk)).content.decode()
        assert "Westfield Hospitals NHS Trust" in page
        assert "Northgate Community Health" in page


def test_a_supporter_reaches_the_community_from_peer_support_and_from_home(
    client, community, peer_supporter, northgate_supporter, supervisee
):
    link = f'href="{url("community", community.pk)}"'
    for user in (peer_supporter, northgate_supporter):
        client.force_login(user)
        for page in (url("support_requests"), reverse("supervision:home"), url("resources")):
            content = client.get(page).content.decode()
            assert link in content, page
            assert "Your learning community:" in content
    # Someone who only asks for peer support is not sent to a page that is 404 to them.
    client.force_login(supervisee)
    for page in (url("support_requests"), reverse("supervision:home")):
        assert link not in client.get(page).content.decode()


def test_everyone_else_gets_404(
    client, community, supervisee, facilitator, other_organisation, outsider
):
    staff = UserFactory(is_staff=True, is_superuser=True)
    elsewhere = person(other_organisation, Role.PEER_SUPPORTER)
    for user in (supervisee, facilitator, staff, elsewhere, outsider):
        client.force_login(user)
        assert client.get(url("community", community.pk)).status_code == 404


# --- The shared compendium ----------------------------------------------------------------


def test_a_shared_resource_is_in_every_member_supporters_library_marked_with_who_shared_it(
    client, shared, peer_supporter, northgate_supporter
):
    client.force_login(peer_supporter)
    page = client.get(url("resources")).content.decode()
    assert "Listening after a difficult birth" in page
    assert "Shared by Northgate Community Health" in page
    client.force_login(northgate_supporter)
    page = client.get(url("resources")).content.decode()
    assert "Listening after a difficult birth" in page
    assert "Shared by" not in page  # their own organisation's


def test_a_shared_resource_is_not_seen_outside_the_community(
    client, shared, supervisee, other_organisation
):
    for user in (supervisee, person(other_organisation, Role.PEER_SUPPORTER)):
        client.force_login(user)
        assert "Listening after" not in client.get(url("resources")).content.decode()
    client.force_login(supervisee)
    assert client.get(url("resource_edit", shared.pk)).status_code == 404


def test_unsharing_takes_it_out_of_the_other_libraries(client, shared, peer_supporter):
    shared.communities.clear()
    client.force_login(peer_supporter)
    assert "Listening after" not in client.get(url("resources")).content.decode()


def test_an_admin_shares_through_the_resource_form(client, community, programme_admin):
    client.force_login(programme_admin)
    page = client.get(url("resource_add")).content.decode()
    assert "North region peer support" in page
    response = client.post(
        url("resource_add"),
        {
            "title": "Defusing after an incident",
            "link": "https://www.england.nhs.uk/",
            "audience": "supporters",
            "communities": [community.pk],
        },
    )
    assert response.status_code == 302
    resource = Resource.objects.get(title="Defusing after an incident")
    assert list(resource.communities.all()) == [community]


def test_an_organisation_shares_only_with_its_own_communities(
    community, other_organisation, outsider
):
    with pytest.raises(ValidationError):
        resource_create(
            actor=outsider,
            organisation=other_organisation,
            title="Not ours to share",
            link="https://www.england.nhs.uk/",
            audience="everyone",
            communities=[community],
        )


def test_site_staff_name_only_member_organisations_coordinators_as_moderators(
    organisation, northgate, programme_admin, outsider, peer_supporter
):
    from peergroups.admin import LearningCommunityAdminForm

    def form(*coordinators):
        return LearningCommunityAdminForm(
            data={
                "name": "North region",
                "organisations": [organisation.pk, northgate.pk],
                "coordinators": [user.pk for user in coordinators],
            }
        )

    assert form(programme_admin).is_valid()
    for stranger in (outsider, peer_supporter):
        refused = form(programme_admin, stranger)
        assert not refused.is_valid()
        assert "coordinators" in refused.errors


# --- Threads: asking, answering, moderating ------------------------------------------------

SECRET = "How do I support someone after the incident on the night shift"


@pytest.fixture
def thread(community, peer_supporter):
    return thread_create(
        actor=peer_supporter, community=community, title="After a hard night", body=SECRET
    )


def test_the_form_says_to_leave_out_patient_and_colleague_details(
    client, community, peer_supporter
):
    client.force_login(peer_supporter)
    page = client.get(url("community_thread_add", community.pk)).content.decode()
    assert "Do not include patient or colleague details" in page
    assert "anything that could identify a person" in page


def test_a_supporter_asks_and_a_supporter_of_the_other_organisation_answers(
    client, community, peer_supporter, northgate_supporter
):
    client.force_login(peer_supporter)
    response = client.post(
        url("community_thread_add", community.pk), {"title": "First calls", "body": SECRET}
    )
    thread = CommunityThread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("community_thread", thread.pk)
    assert thread.author == peer_supporter
    client.force_login(northgate_supporter)
    assert "First calls" in client.get(url("community_threads", community.pk)).content.decode()
    client.post(url("community_thread", thread.pk), {"body": "I start by listening."})
    reply = CommunityReply.objects.get()
    assert (reply.thread, reply.author) == (thread, northgate_supporter)
    page = client.get(url("community_thread", thread.pk)).content.decode()
    assert SECRET in page
    assert "I start by listening." in page


def test_a_thread_is_404_to_everyone_outside_the_community(
    client, thread, supervisee, facilitator, other_organisation, outsider
):
    staff = UserFactory(is_staff=True, is_superuser=True)
    elsewhere = person(other_organisation, Role.PEER_SUPPORTER)
    reply = reply_create(actor=thread.author, thread=thread, body="More")
    for user in (supervisee, facilitator, staff, elsewhere, outsider):
        client.force_login(user)
        for address in (
            url("community_threads", thread.community_id),
            url("community_thread_add", thread.community_id),
            url("community_thread", thread.pk),
            url("community_thread_hide", thread.pk),
            url("community_reply_hide", reply.pk),
        ):
            assert client.get(address).status_code == 404, (user, address)
        assert client.post(url("community_thread", thread.pk), {"body": "x"}).status_code == 404
    assert CommunityReply.objects.count() == 1


def test_the_bodies_are_encrypted_in_the_database(thread, northgate_supporter):
    reply = reply_create(actor=northgate_supporter, thread=thread, body="Listen first, always")
    assert SECRET not in str(stored(CommunityThread, "body", thread.pk))
    assert "After a hard night" not in str(stored(CommunityThread, "title", thread.pk))
    assert "Listen first" not in str(stored(CommunityReply, "body", reply.pk))
    assert CommunityReply.objects.get(pk=reply.pk).body == "Listen first, always"


def test_a_moderator_removes_a_reply_with_a_reason_and_members_see_it_was_removed(
    client, thread, programme_admin, northgate_supporter, peer_supporter
):
    reply = reply_create(actor=northgate_supporter, thread=thread, body="Ward 7's charge nurse")
    client.force_login(peer_supporter)  # not a coordinator of the community
    assert client.get(url("community_reply_hide", reply.pk)).status_code == 403
    client.force_login(programme_admin)
    page = client.get(url("community_thread", thread.pk)).content.decode()
    assert url("community_reply_hide", reply.pk) in page
    response = client.post(url("community_reply_hide", reply.pk), {"reason": "identifies"})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert (reply.hidden_by, reply.hidden_reason) == (programme_admin, "identifies")
    assert reply.hidden_at is not None
    client.force_login(peer_supporter)
    page = client.get(url("community_thread", thread.pk)).content.decode()
    assert "Ward 7" not in page
    assert "Removed by a moderator" in page
    entry = AuditEntry.objects.get(action="community.hidden")
    assert "Ward 7" not in str(entry.summary) + str(entry.details)


def test_a_moderator_removes_a_thread_and_nobody_can_reply_to_it(
    client, thread, programme_admin, northgate_supporter
):
    client.force_login(programme_admin)
    assert client.post(url("community_thread_hide", thread.pk), {}).status_code == 200  # a reason
    client.post(url("community_thread_hide", thread.pk), {"reason": "off_topic"})
    client.force_login(northgate_supporter)
    page = client.get(url("community_threads", thread.community_id)).content.decode()
    assert "After a hard night" not in page
    assert "Removed by a moderator" in page
    page = client.get(url("community_thread", thread.pk)).content.decode()
    assert SECRET not in page
    client.post(url("community_thread", thread.pk), {"body": "Still here"})
    assert not CommunityReply.objects.exists()


def test_a_coordinator_who_is_no_longer_one_cannot_moderate(
    client, thread, programme_admin, organisation
):
    programme_admin.role_grants.filter(role=Role.PROGRAMME_ADMIN).delete()
    RoleGrantFactory(user=programme_admin, organisation=organisation, role=Role.PEER_SUPPORTER)
    client.force_login(programme_admin)
    assert client.get(url("community_thread_hide", thread.pk)).status_code == 403


# --- The author is told of a reply, once, without what it says -------------------------------


def test_the_author_is_told_once_of_a_reply_without_its_text(
    thread, peer_supporter, northgate_supporter
):
    reply = reply_create(actor=northgate_supporter, thread=thread, body="Try a walk and talk")
    reply_create(actor=peer_supporter, thread=thread, body="Thank you")  # their own: no message
    from peergroups.notifications_community import reply_posted

    reply_posted(reply)  # scheduled again: still one
    assert Notification.objects.filter(kind=REPLY).count() == 1
    assert Notification.objects.get(kind=REPLY).recipient == peer_supporter
    mail.outbox.clear()
    deliver_due()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [peer_supporter.email]
    text = f"{message.subject} {message.body} {getattr(message, 'alternatives', '')}"
    assert "Try a walk" not in text
    assert "After a hard night" not in text
    assert url("community_thread", thread.pk) in text


def test_a_reply_removed_before_it_is_sent_is_not_announced(
    thread, programme_admin, northgate_supporter
):
    from peergroups.services.community import hide

    reply = reply_create(actor=northgate_supporter, thread=thread, body="Ward 7")
    hide(actor=programme_admin, item=reply, reason="identifies")
    mail.outbox.clear()
    deliver_due()
    assert mail.outbox == []


# --- The thread list costs the same however many threads -----------------------------------


def test_the_thread_list_takes_the_same_queries_for_1_or_20_threads(
    client, community, peer_supporter, northgate_supporter
):
    def add(n):
        made = thread_create(
            actor=northgate_supporter, community=community, title=f"Question {n}", body="Body"
        )
        reply_create(actor=peer_supporter, thread=made, body="Reply")

    add(0)
    client.force_login(peer_supporter)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("community_threads", community.pk)).status_code == 200
        return len(queries)

    one = count()
    for n in range(1, 20):
        add(n)
    assert count() == one


def test_a_person_downloads_what_they_wrote_in_the_community(
    thread, peer_supporter, northgate_supporter
):
    from peergroups.personal_data import export_for

    reply_create(actor=northgate_supporter, thread=thread, body="Listen first, always")
    mine = export_for(peer_supporter)
    assert mine["learning_community_questions_you_asked"][0]["question"] == SECRET
    assert mine["learning_community_replies_you_wrote"] == []
    theirs = export_for(northgate_supporter)
    assert theirs["learning_community_replies_you_wrote"][0]["reply"] == "Listen first, always"
    assert SECRET not in str(theirs)
