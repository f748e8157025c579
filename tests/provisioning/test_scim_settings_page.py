"""Issue 18: a programme admin switches SCIM on and makes, replaces or revokes the
token, which is shown once; each step is audited under their organisation."""

import re

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from provisioning.models import ScimSettings
from provisioning.permissions import token_hash

pytestmark = pytest.mark.django_db


def _token_on(page: str) -> str:
    found = re.search(r'id="scim-token">([^<]+)<', page)
    assert found, "the new token is shown"
    return found[1]


def test_the_page_says_it_is_off_and_shows_the_tenant_url(client, programme_admin):
    client.force_login(programme_admin)
    page = client.get(reverse("provisioning:settings")).content.decode()
    assert "Off" in page
    assert "/scim/v2/" in page
    assert "None: Entra ID cannot connect" in page


def test_switching_on_is_saved_and_audited(client, programme_admin, organisation):
    client.force_login(programme_admin)
    response = client.post(reverse("provisioning:settings"), {"enabled": "on", "invite_new": "on"})
    assert response.status_code == 302
    found = ScimSettings.objects.get(organisation=organisation)
    assert (found.enabled, found.invite_new) == (True, True)
    entry = AuditEntry.objects.get(action="scim.settings_changed")
    assert (entry.actor, entry.organisation_id) == (programme_admin, organisation.pk)


def test_a_token_is_shown_once_and_only_its_hash_kept(client, programme_admin, organisation):
    client.force_login(programme_admin)
    response = client.post(reverse("provisioning:token_create"))
    assert response.status_code == 200
    token = _token_on(response.content.decode())
    assert ScimSettings.objects.get(organisation=organisation).token_hash == token_hash(token)
    again = client.get(reverse("provisioning:settings")).content.decode()
    assert token not in again
    assert "Made " in again
    assert AuditEntry.objects.filter(
        action="scim.token_created", organisation_id=organisation.pk
    ).exists()


def test_a_new_token_replaces_the_old_and_revoking_removes_it(
    client, programme_admin, organisation
):
    client.force_login(programme_admin)
    first = _token_on(client.post(reverse("provisioning:token_create")).content.decode())
    second = _token_on(client.post(reverse("provisioning:token_create")).content.decode())
    assert first != second
    assert ScimSettings.objects.get(organisation=organisation).token_hash == token_hash(second)
    assert client.post(reverse("provisioning:token_revoke")).status_code == 302
    assert ScimSettings.objects.get(organisation=organisation).token_hash == ""
    actions = list(
        AuditEntry.objects.filter(action__startswith="scim.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["scim.token_created", "scim.token_replaced", "scim.token_revoked"]


def test_each_admin_changes_only_their_own_organisation(
    client, programme_admin, outsider, organisation, other_organisation
):
    client.force_login(outsider)
    client.post(reverse("provisioning:settings"), {"enabled": "on"})
    assert ScimSettings.objects.get(organisation=other_organisation).enabled
    assert not ScimSettings.objects.filter(organisation=organisation).exists()


def test_people_who_are_not_admins_are_refused(client, supervisee):
    client.force_login(supervisee)
    assert client.get(reverse("provisioning:settings")).status_code == 403
    assert client.post(reverse("provisioning:token_create")).status_code == 403
    assert not ScimSettings.objects.exists()
