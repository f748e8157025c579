"""Seed 004: a facilitator from outside the organisation (an independent practitioner)
is invited to facilitate its groups and nothing more: never counted as its staff, and
seeing only the groups they facilitate."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import get_resolver, reverse

from audit.models import AuditEntry
from kernel.models import Modality, Role, RoleGrant, StaffProfile
from peergroups.models import ExternalFacilitator
from peergroups.permissions import facilitator_choices
from peergroups.services import external as services
from peergroups.tasks import send_external_facilitator_invitation
from reports.scope import ReportScope
from supervision.reporting import population
from tests.factories import ProgrammeFactory, StaffProfileFactory
from tests.peergroups.test_groups import make_group, person
from tests.test_url_matrix import MATRIX, REFUSED, _outcome, _url, _walk

pytestmark = pytest.mark.django_db

FORM = {
    "first_name": "Robin",
    "last_name": "Ashdown",
    "email": "Robin@Ashdown-Practice.example",
    "affiliation": "Independent practitioner",
}


@pytest.fixture
def invited(client, programme_admin, django_capture_on_commit_callbacks):
    client.force_login(programme_admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("peergroups:external_facilitators"), FORM)
    assert response.status_code == 302
    assert len(callbacks) == 1  # the invitation is queued once the change has committed
    client.logout()
    return ExternalFacilitator.objects.select_related("user").get()


def test_an_admin_invites_a_facilitator_from_outside_with_a_one_time_link(
    invited, organisation, programme_admin
):
    user = invited.user
    assert user.email == "robin@ashdown-practice.example"
    assert not user.has_usable_password()
    assert invited.organisation == organisation
    assert invited.affiliation == "Independent practitioner"
    assert not StaffProfile.objects.filter(user=user).exists()
    assert list(RoleGrant.objects.filter(user=user).values_list("role", flat=True)) == [
        Role.FACILITATOR
    ]
    send_external_facilitator_invitation(invited.pk)
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert "Choose your password here" in message.body
    assert settings.SITE_URL + "/" in message.body  # the one-time link
    assert "facilitate groups" in message.body
    assert "Westfield Hospitals NHS Trust" in message.subject
    assert AuditEntry.objects.filter(
        action="external_facilitator.invited", actor=programme_admin
    ).exists()


def test_an_external_facilitator_is_never_counted_as_staff(
    client, invited, organisation, programme_admin, supervisee
):
    scope = ReportScope(
        organisation_id=organisation.pk,
        time_zone="Europe/London",
        first_month=datetime.date(2026, 1, 1),
        last_month=datetime.date(2026, 12, 1),
    )
    people = set(population(scope).values_list("user_id", flat=True))
    assert invited.user_id not in people
    assert supervisee.pk in people
    client.force_login(programme_admin)
    directory = client.get(reverse("supervision:people")).content.decode()
    assert supervisee.email in directory
    assert invited.user.email not in directory
    home = client.get(reverse("supervision:home")).content.decode()
    staff = StaffProfile.objects.filter(organisation=organisation).count()
    assert f"{staff} active members of staff" in home
    # ...and yet they can be chosen to facilitate a group.
    assert invited.user in facilitator_choices(programme_admin, organisation)


def test_an_external_facilitator_sees_only_the_groups_they_facilitate(
    client,
    frozen_now,
    invited,
    organisation,
    other_organisation,
    programme_admin,
    facilitator,
    records,
):
    theirs = make_group(
        programme_admin,
        organisation,
        records["group"].programme,
        [invited.user],
        name="Ashdown group",
    )
    open_elsewhere = make_group(
        None,
        other_organisation,
        ProgrammeFactory(
            organisation=other_organisation, modality=Modality.GROUP, allowance_sessions=None
        ),
        [person(other_organisation, Role.FACILITATOR)],
        name="Open to all trusts",
        open_to_other_organisations=True,
    )
    client.force_login(invited.user)
    listing = client.get(reverse("peergroups:groups")).content.decode()
    assert "Ashdown group" in listing
    # Not another of the organisation's groups, nor one open to other organisations' staff
    assert f'href="{records["group"].get_absolute_url()}"' not in listing
    assert f'href="{open_elsewhere.get_absolute_url()}"' not in listing
    meeting = theirs.sessions.earliest("starts_at")
    assert client.get(reverse("peergroups:session", kwargs={"pk": meeting.pk})).status_code == 200
    assert client.get(theirs.get_absolute_url()).status_code == 200
    assert client.get(open_elsewhere.get_absolute_url()).status_code == 404

    # Everything else: walked as the role x URL matrix walks it, with the organisation's
    # records (none of them theirs). No page fails, every record of the organisation
    # answers 403 or 404, and no page refused to its staff is open to them.
    with_ids = {n for n, p in _walk(get_resolver().url_patterns) if "<int:" in str(p.pattern)}
    opened = []
    for name, spec in MATRIX.items():
        if spec["method"] != "get" or name.startswith(("account", "mfa", "social", "user")):
            continue
        url = _url(name, records)
        outcome = _outcome(client.get(url))
        assert outcome != 500, name
        expected = spec["expected"]
        if expected["supervisee"] in REFUSED and expected["facilitator"] in REFUSED:
            assert outcome in REFUSED, name
        if name in with_ids and outcome not in REFUSED:
            opened.append(name)
    assert opened == [], "records of the organisation open to an external facilitator"


def test_someone_on_the_staff_is_given_the_role_on_their_own_page_instead(
    client, programme_admin, supervisee
):
    client.force_login(programme_admin)
    response = client.post(
        reverse("peergroups:external_facilitators"), {**FORM, "email": supervisee.email}
    )
    assert response.status_code == 200
    assert "This person works here" in response.content.decode()
    assert not ExternalFacilitator.objects.exists()


def test_someone_who_already_signs_in_elsewhere_keeps_their_account(
    programme_admin, organisation, other_organisation, django_capture_on_commit_callbacks
):
    elsewhere = StaffProfileFactory(organisation=other_organisation).user
    with django_capture_on_commit_callbacks():
        external = services.external_facilitator_invite(
            actor=programme_admin,
            organisation=organisation,
            email=elsewhere.email.upper(),
            first_name="Ignored",
            last_name="Ignored",
        )
    assert external.user == elsewhere
    assert get_user_model().objects.filter(email__iexact=elsewhere.email).count() == 1
    assert StaffProfile.objects.get(user=elsewhere).organisation == other_organisation
    send_external_facilitator_invitation(external.pk)
    assert "Sign in with the email address and password you already use" in (mail.outbox[0].body)


def test_the_role_ends_only_once_they_facilitate_no_group(
    client, frozen_now, invited, organisation, programme_admin, group_programme, facilitator
):
    group = make_group(programme_admin, organisation, group_programme, [invited.user])
    client.force_login(programme_admin)
    url = reverse("peergroups:external_facilitator_end", kwargs={"pk": invited.pk})
    client.post(url)
    assert ExternalFacilitator.objects.filter(pk=invited.pk).exists()
    group.facilitators.set([facilitator])
    client.post(url)
    assert not ExternalFacilitator.objects.filter(pk=invited.pk).exists()
    assert not RoleGrant.objects.filter(user=invited.user, organisation=organisation).exists()
    invited.user.refresh_from_db()
    assert not invited.user.is_active  # nothing left to sign in for
    assert AuditEntry.objects.filter(action="external_facilitator.ended").exists()


def test_an_external_facilitator_whose_role_ended_can_be_invited_back(
    invited, organisation, programme_admin, django_capture_on_commit_callbacks
):
    services.external_facilitator_end(actor=programme_admin, external=invited)
    with django_capture_on_commit_callbacks():
        again = services.external_facilitator_invite(
            actor=programme_admin,
            organisation=organisation,
            email=FORM["email"],
            first_name=FORM["first_name"],
            last_name=FORM["last_name"],
        )
    assert again.user == invited.user
    again.user.refresh_from_db()
    assert again.user.is_active
