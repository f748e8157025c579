"""Issue 18: a SCIM token reaches its own organisation's people and nobody else's;
no token, a wrong one, a revoked one, or an organisation switched off is refused."""

from urllib.parse import quote

import pytest

from kernel.models import StaffProfile
from provisioning.models import ScimSettings
from provisioning.services import scim_settings_save, scim_token_revoke
from tests.factories import StaffProfileFactory

from .scim import ERROR, PATCH_OP, call, entra_user, switch_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(organisation, programme_admin):
    return switch_on(organisation, programme_admin)


@pytest.fixture
def other_token(other_organisation, outsider):
    return switch_on(other_organisation, outsider)


def _refused(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/scim+json"
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    return body


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-token", "Bearer scim_x"],
)
def test_no_or_a_wrong_token_is_401(client, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get("/scim/v2/Users", **extra)
    _refused(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="SCIM"'


def test_a_signed_in_person_without_a_token_is_401(client, token, programme_admin):
    client.force_login(programme_admin)
    _refused(call(client, "GET", "Users", None), 401)


def test_the_token_is_per_organisation_and_sees_only_its_people(
    client, token, other_token, organisation, other_organisation
):
    ours = StaffProfileFactory(organisation=organisation, user__email="ours@westfield.example")
    theirs = StaffProfileFactory(
        organisation=other_organisation, user__email="theirs@eastbrook.example"
    )

    listed = call(client, "GET", "Users?count=200", token).json()
    ids = {user["id"] for user in listed["Resources"]}
    assert str(ours.pk) in ids
    assert str(theirs.pk) not in ids
    assert listed["totalResults"] == StaffProfile.objects.filter(organisation=organisation).count()
    # Another organisation's person answers exactly as an id nobody has.
    deactivate = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "active", "value": False}],
    }
    replace = entra_user("x", "x@x.example")
    for method, body in (("GET", None), ("PATCH", deactivate), ("PUT", replace), ("DELETE", None)):
        refused = _refused(call(client, method, f"Users/{theirs.pk}", token, body), 404)
        assert refused["detail"] == f"No User has the id {theirs.pk}."
    theirs.user.refresh_from_db()
    assert theirs.user.is_active
    found = call(
        client, "GET", "Users?filter=" + quote('userName eq "theirs@eastbrook.example"'), token
    )
    assert found.json()["totalResults"] == 0
    # And the other organisation's token sees theirs, not ours.
    assert call(client, "GET", f"Users/{theirs.pk}", other_token).status_code == 200
    assert call(client, "GET", f"Users/{ours.pk}", other_token).status_code == 404


def test_a_revoked_token_no_longer_works(client, token, organisation, programme_admin):
    assert call(client, "GET", "Users", token).status_code == 200
    scim_token_revoke(actor=programme_admin, organisation=organisation)
    _refused(call(client, "GET", "Users", token), 401)


def test_a_replaced_token_no_longer_works(client, token, organisation, programme_admin):
    new = switch_on(organisation, programme_admin)
    _refused(call(client, "GET", "Users", token), 401)
    assert call(client, "GET", "Users", new).status_code == 200


def test_an_organisation_switched_off_is_refused_even_with_its_token(
    client, token, organisation, programme_admin
):
    scim_settings_save(
        actor=programme_admin, organisation=organisation, enabled=False, invite_new=True
    )
    body = _refused(
        call(client, "POST", "Users", token, entra_user("a@w.example", "a@w.example")), 403
    )
    assert "switched off" in body["detail"]
    assert not StaffProfile.objects.filter(user__email="a@w.example").exists()


def test_scim_is_off_by_default(organisation):
    assert not ScimSettings.objects.filter(organisation=organisation, enabled=True).exists()
    assert ScimSettings._meta.get_field("enabled").default is False


def test_the_service_wide_switch_turns_every_organisation_off(client, token, settings):
    settings.SCIM_ENABLED = False
    _refused(call(client, "GET", "Users", token), 404)


def test_only_a_hash_of_the_token_is_stored(token, organisation):
    stored = ScimSettings.objects.get(organisation=organisation)
    assert token not in str(ScimSettings.objects.filter(pk=stored.pk).values().get())
    assert len(stored.token_hash) == 64


def test_many_wrong_tokens_from_one_address_are_slowed_down_but_not_a_right_one(client, token):
    for _ in range(30):
        _refused(call(client, "GET", "Users", "wrong"), 401)
    _refused(call(client, "GET", "Users", "wrong"), 429)
    # Entra ID calls from addresses shared by many tenants: a right token still works.
    assert call(client, "GET", "Users", token).status_code == 200


def test_an_unsupported_method_is_405_in_scim_form(client, token):
    response = call(client, "DELETE", "Users", token)
    _refused(response, 405)
    assert response["Allow"] == "GET, POST"


def test_scim_posts_need_no_csrf_token_but_the_bearer_token(token):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert (
        call(strict, "POST", "Users", token, entra_user("c@w.example", "c@w.example")).status_code
        == 201
    )
    assert (
        call(strict, "POST", "Users", None, entra_user("d@w.example", "d@w.example")).status_code
        == 401
    )
