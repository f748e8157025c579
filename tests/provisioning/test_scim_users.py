"""Issue 18: Microsoft Entra ID adds, changes and deactivates staff through SCIM 2.0.

Requests are RFC 7644's own examples (sections 3.3, 3.4.2, 3.5.2 and 3.6, adapted
where the service needs a work email) and the shapes Entra ID's documentation
shows, sent to the real endpoints with an organisation's bearer token.
"""

from urllib.parse import quote

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail

from accounts.leavers import deactivated_at
from audit.models import AuditEntry
from kernel.models import Band, Profession, StaffProfile
from supervision.tasks import send_staff_invitation
from tests.factories import StaffProfileFactory

from .scim import ENTERPRISE, ERROR, PATCH_OP, USER, call, entra_user, switch_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(organisation, programme_admin):
    return switch_on(organisation, programme_admin)


def _created(client, token, body):
    response = call(client, "POST", "Users", token, body)
    assert response.status_code == 201, response.content
    return response.json()


def _filter(expression: str) -> str:
    return "Users?filter=" + quote(expression)


# --- RFC 7644's examples -------------------------------------------------------------


def test_rfc_3_3_creating_a_user_answers_201_with_the_resource_and_its_location(
    client, token, organisation
):
    body = {
        "schemas": [USER],
        "userName": "bjensen",
        "externalId": "bjensen",
        "name": {
            "formatted": "Ms. Barbara J Jensen III",
            "familyName": "Jensen",
            "givenName": "Barbara",
        },
        # Adapted: people sign in with their work email, so one is needed.
        "emails": [{"value": "bjensen@westfield.example", "type": "work"}],
    }
    response = call(client, "POST", "Users", token, body)

    assert response.status_code == 201
    assert response["Content-Type"] == "application/scim+json"
    created = response.json()
    assert created["schemas"] == [USER]
    assert created["userName"] == "bjensen"
    assert created["externalId"] == "bjensen"
    assert created["name"]["familyName"] == "Jensen"
    assert created["active"] is True
    assert created["meta"]["resourceType"] == "User"
    assert response["Location"] == created["meta"]["location"]
    assert created["meta"]["location"].endswith(f"/scim/v2/Users/{created['id']}")
    profile = StaffProfile.objects.get(pk=created["id"])
    assert profile.organisation == organisation
    assert profile.user.email == "bjensen@westfield.example"
    assert (profile.profession, profile.band) == (Profession.OTHER, Band.OTHER)


def test_rfc_3_3_creating_the_same_user_name_again_is_a_409_uniqueness(client, token):
    _created(client, token, entra_user("bjensen", "bjensen@westfield.example"))
    response = call(
        client, "POST", "Users", token, entra_user("BJensen", "other@westfield.example")
    )
    assert response.status_code == 409
    error = response.json()
    assert error == {
        "schemas": [ERROR],
        "status": "409",
        "scimType": "uniqueness",
        "detail": "Another person already has this userName.",
    }


def test_rfc_3_4_2_filtering_on_user_name_finds_the_one_person(client, token):
    created = _created(client, token, entra_user("bjensen", "bjensen@westfield.example"))
    _created(
        client,
        token,
        entra_user("jsmith", "jsmith@westfield.example", externalId="other-object-id"),
    )

    response = call(client, "GET", _filter('userName eq "bjensen"'), token)

    assert response.status_code == 200
    listed = response.json()
    assert listed["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert listed["totalResults"] == 1
    assert listed["startIndex"] == 1
    assert listed["itemsPerPage"] == 1
    assert [user["id"] for user in listed["Resources"]] == [created["id"]]


def test_rfc_3_4_2_4_pages_with_start_index_and_count(client, token, organisation):
    for n in range(5):
        StaffProfileFactory(organisation=organisation, user__email=f"page{n}@westfield.example")
    everyone = call(client, "GET", "Users", token).json()
    page = call(client, "GET", "Users?startIndex=3&count=2", token).json()
    assert page["totalResults"] == everyone["totalResults"] >= 6
    assert (page["startIndex"], page["itemsPerPage"]) == (3, 2)
    assert [u["id"] for u in page["Resources"]] == [u["id"] for u in everyone["Resources"][2:4]]
    assert call(client, "GET", "Users?count=0", token).json()["Resources"] == []


def test_rfc_3_5_2_3_replace_operations_change_the_person(client, token):
    created = _created(client, token, entra_user("bjensen", "bjensen@westfield.example"))
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [
            {
                "op": "replace",
                "value": {
                    "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
                    "nickName": "Babs",
                },
            },
            {"op": "replace", "path": "name.familyName", "value": "Jensen-Smith"},
        ],
    }
    response = call(client, "PATCH", f"Users/{created['id']}", token, patch)
    assert response.status_code == 200
    changed = response.json()
    assert changed["name"]["familyName"] == "Jensen-Smith"
    # The email a person signs in with stays theirs (README); nickName is not kept.
    assert changed["emails"][0]["value"] == "bjensen@westfield.example"


def test_rfc_3_6_deleting_deactivates_and_keeps_the_person(client, token):
    created = _created(client, token, entra_user("bjensen", "bjensen@westfield.example"))
    response = call(client, "DELETE", f"Users/{created['id']}", token)
    assert response.status_code == 204
    profile = StaffProfile.objects.select_related("user").get(pk=created["id"])
    assert profile.user.is_active is False
    assert call(client, "GET", f"Users/{created['id']}", token).json()["active"] is False


def test_an_unknown_id_is_a_scim_404(client, token):
    response = call(client, "GET", "Users/999999999", token)
    assert response.status_code == 404
    assert response.json()["schemas"] == [ERROR]
    assert response.json()["status"] == "404"


# --- What Entra ID sends -------------------------------------------------------------


def test_entra_creates_a_user_whose_user_name_is_not_their_email(client, token):
    body = entra_user(
        "amara.okafor@westfield.onmicrosoft.example", "amara.okafor@westfield.example"
    )
    created = _created(client, token, body)
    assert created["userName"] == "amara.okafor@westfield.onmicrosoft.example"
    assert created["emails"] == [
        {"value": "amara.okafor@westfield.example", "type": "work", "primary": True}
    ]
    found = call(
        client, "GET", _filter('userName eq "amara.okafor@westfield.onmicrosoft.example"'), token
    ).json()
    assert found["totalResults"] == 1
    by_object = call(
        client, "GET", _filter('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"'), token
    ).json()
    assert by_object["totalResults"] == 1


def test_entra_finds_nobody_for_an_unknown_user_name(client, token):
    response = call(client, "GET", _filter('userName eq "nobody@westfield.example"'), token)
    assert response.json()["totalResults"] == 0
    assert response.json()["Resources"] == []


def test_entra_takes_over_someone_the_esr_import_added_by_their_email(client, token, organisation):
    profile = StaffProfileFactory(
        organisation=organisation, user__email="nia.hughes@westfield.example", employee_number="100"
    )
    found = call(client, "GET", _filter('userName eq "Nia.Hughes@westfield.example"'), token).json()
    assert [u["id"] for u in found["Resources"]] == [str(profile.pk)]
    assert found["Resources"][0][ENTERPRISE]["employeeNumber"] == "100"


def test_entra_creating_someone_already_here_by_email_takes_them_over(client, token, organisation):
    profile = StaffProfileFactory(
        organisation=organisation, user__email="nia.hughes@westfield.example", employee_number="100"
    )
    body = entra_user("nia.hughes@westfield.onmicrosoft.example", "Nia.Hughes@westfield.example")
    response = call(client, "POST", "Users", token, body)
    assert response.status_code == 201
    assert response.json()["id"] == str(profile.pk)
    assert response.json()["userName"] == "nia.hughes@westfield.onmicrosoft.example"
    assert (
        StaffProfile.objects.filter(user__email__iexact="nia.hughes@westfield.example").count() == 1
    )
    # Once named, a second create with that email is a conflict, not another takeover.
    again = entra_user("someone.else@westfield.onmicrosoft.example", "nia.hughes@westfield.example")
    assert call(client, "POST", "Users", token, again).status_code == 409


def test_entra_patches_multi_and_single_valued_attributes(client, token, organisation):
    created = _created(
        client, token, entra_user("amara@westfield.example", "amara@westfield.example")
    )
    manager = StaffProfileFactory(organisation=organisation)
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "new@x.example"},
            {"op": "Replace", "path": "name.familyName", "value": "Okafor-Reid"},
            {"op": "Replace", "path": "name.givenName", "value": "Amy"},
            {"op": "Replace", "path": "userName", "value": "amara.reid@westfield.example"},
            {"op": "Add", "path": "title", "value": "Ward sister"},
            {"op": "Add", "path": f"{ENTERPRISE}:employeeNumber", "value": "20031"},
            {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Ward 10  (Elderly care)"},
            {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": str(manager.pk)},
            {"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "07700900000"},
        ],
    }
    response = call(client, "PATCH", f"Users/{created['id']}", token, patch)
    assert response.status_code == 200, response.content
    profile = StaffProfile.objects.select_related("user", "department").get(pk=created["id"])
    assert (profile.user.first_name, profile.user.last_name) == ("Amy", "Okafor-Reid")
    assert profile.job_title == "Ward sister"
    assert profile.employee_number == "20031"
    assert profile.department.name == "Ward 10 (Elderly care)"
    assert profile.department.organisation == organisation
    assert profile.line_manager == manager
    user = response.json()
    assert user["userName"] == "amara.reid@westfield.example"
    assert user[ENTERPRISE]["manager"]["value"] == str(manager.pk)
    # The same department by another spelling is the same department.
    again = {"schemas": [PATCH_OP], "Operations": [
        {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "ward 10 (elderly care)"}
    ]}  # fmt: skip
    call(client, "PATCH", f"Users/{created['id']}", token, again)
    assert organisation.departments.filter(name__iexact="ward 10 (elderly care)").count() == 1


def test_entra_removes_a_manager_with_a_remove_operation(client, token, organisation):
    manager = StaffProfileFactory(organisation=organisation)
    created = _created(
        client,
        token,
        entra_user(
            "a@westfield.example",
            "a@westfield.example",
            **{ENTERPRISE: {"manager": {"value": str(manager.pk)}}},
        ),
    )
    assert StaffProfile.objects.get(pk=created["id"]).line_manager == manager
    remove = {"schemas": [PATCH_OP], "Operations": [
        {"op": "Remove", "path": f"{ENTERPRISE}:manager", "value": [{"value": str(manager.pk)}]}
    ]}  # fmt: skip
    assert call(client, "PATCH", f"Users/{created['id']}", token, remove).status_code == 200
    assert StaffProfile.objects.get(pk=created["id"]).line_manager is None


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "Replace", "path": "active", "value": False},
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "replace", "value": {"active": False}},
        {"op": "Replace", "value": {"active": "False"}},
    ],
    ids=["bool", "string", "path-less", "path-less string"],
)
def test_entra_deactivates_a_leaver_who_loses_access_at_once(
    client, token, organisation, operation
):
    profile = StaffProfileFactory(organisation=organisation, user__email="leaver@westfield.example")
    signed_in = signed_in_browser(profile.user)

    response = call(
        client,
        "PATCH",
        f"Users/{profile.pk}",
        token,
        {"schemas": [PATCH_OP], "Operations": [operation]},
    )

    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    profile.user.refresh_from_db()
    assert profile.user.is_active is False
    # The ESR leaver's path: their sessions end and the deactivation date is recorded.
    assert not UserSession.objects.filter(user=profile.user).exists()
    assert signed_in.get("/").status_code == 302
    assert deactivated_at(profile.user) is not None
    entry = AuditEntry.objects.get(action="staff.deactivated", target_id=str(profile.pk))
    assert entry.organisation_id == organisation.pk
    assert entry.actor_id is None
    assert entry.details["via"] == "SCIM (Entra ID)"


def signed_in_browser(user):
    """A browser signed in as `user`, with the session allauth records."""
    from django.test import Client

    browser = Client()
    browser.force_login(user)
    session_key = browser.session.session_key
    UserSession.objects.create(user=user, session_key=session_key, ip="127.0.0.1")
    return browser


def test_a_deactivated_person_set_active_again_is_reactivated(client, token, organisation):
    created = _created(
        client, token, entra_user("back@westfield.example", "back@westfield.example")
    )
    call(client, "DELETE", f"Users/{created['id']}", token)
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "active", "value": "True"}],
    }
    response = call(client, "PATCH", f"Users/{created['id']}", token, patch)
    assert response.json()["active"] is True
    assert StaffProfile.objects.get(pk=created["id"]).user.is_active is True
    actions = list(
        AuditEntry.objects.filter(target_id=created["id"])
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["staff.deactivated", "staff.reactivated"]


def test_put_replaces_what_it_names(client, token, organisation):
    created = _created(client, token, entra_user("put@westfield.example", "put@westfield.example"))
    body = entra_user(
        "put@westfield.example", "put@westfield.example", title="Matron", active=False,
        name={"givenName": "Ada", "familyName": "Lovelace"},
    )  # fmt: skip
    response = call(client, "PUT", f"Users/{created['id']}", token, body)
    assert response.status_code == 200
    assert response.json()["title"] == "Matron"
    assert response.json()["active"] is False
    assert response.json()["name"]["givenName"] == "Ada"


def test_a_new_person_gets_the_standard_invitation(
    client, token, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        created = _created(
            client, token, entra_user("new@westfield.example", "new@westfield.example")
        )
    assert len(callbacks) == 1
    send_staff_invitation(int(created["id"]))
    assert [message.to for message in mail.outbox] == [["new@westfield.example"]]


def test_no_invitation_when_the_organisation_chose_none_or_the_person_is_inactive(
    client, organisation, programme_admin, django_capture_on_commit_callbacks
):
    token = switch_on(organisation, programme_admin, invite_new=False)
    with django_capture_on_commit_callbacks() as callbacks:
        _created(client, token, entra_user("a@westfield.example", "a@westfield.example"))
    assert callbacks == []
    token = switch_on(organisation, programme_admin, invite_new=True)
    with django_capture_on_commit_callbacks() as callbacks:
        created = _created(
            client,
            token,
            entra_user("b@westfield.example", "b@westfield.example", active=False, externalId="b"),
        )
    assert callbacks == []
    assert created["active"] is False


def test_every_change_is_audited_under_the_organisation_as_scim(client, token, organisation):
    created = _created(client, token, entra_user("a@westfield.example", "a@westfield.example"))
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Replace", "path": "title", "value": "Sister"}],
    }
    call(client, "PATCH", f"Users/{created['id']}", token, patch)
    entries = AuditEntry.objects.filter(target_id=created["id"], action__startswith="staff.")
    assert {e.action for e in entries} == {"staff.added", "staff.updated"}
    assert all(e.organisation_id == organisation.pk for e in entries)
    assert all(e.details.get("via") == "SCIM (Entra ID)" for e in entries)


def test_the_audit_log_names_scim_as_who_made_the_change(client, token, programme_admin):
    _created(client, token, entra_user("a@westfield.example", "a@westfield.example"))
    client.force_login(programme_admin)
    page = client.get("/audit/").content.decode()
    assert "SCIM (Entra ID)" in page


def test_an_employee_number_another_person_has_is_a_409(client, token, organisation):
    StaffProfileFactory(organisation=organisation, employee_number="555")
    body = entra_user(
        "a@westfield.example", "a@westfield.example", **{ENTERPRISE: {"employeeNumber": "555"}}
    )
    response = call(client, "POST", "Users", token, body)
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"


def test_an_email_registered_anywhere_is_a_409(client, token, other_organisation):
    StaffProfileFactory(organisation=other_organisation, user__email="taken@eastbrook.example")
    response = call(
        client, "POST", "Users", token, entra_user("x@westfield.example", "taken@eastbrook.example")
    )
    assert response.status_code == 409


def test_a_manager_of_another_organisation_is_refused_as_unknown(client, token, other_organisation):
    stranger = StaffProfileFactory(organisation=other_organisation)
    body = entra_user(
        "a@westfield.example", "a@westfield.example", **{ENTERPRISE: {"manager": str(stranger.pk)}}
    )
    response = call(client, "POST", "Users", token, body)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    assert not StaffProfile.objects.filter(user__email="a@westfield.example").exists()


def test_groups_are_an_empty_list(client, token):
    listed = call(client, "GET", "Groups", token).json()
    assert (listed["totalResults"], listed["Resources"]) == (0, [])
    assert call(client, "POST", "Groups", token, {"displayName": "Ward 9"}).status_code == 404
    assert call(client, "GET", "Groups/1", token).status_code == 404


def test_discovery_describes_users_and_the_enterprise_extension(client, token):
    config = call(client, "GET", "ServiceProviderConfig", token).json()
    assert config["patch"] == {"supported": True}
    assert config["filter"]["supported"] is True
    assert config["bulk"]["supported"] is False
    types = call(client, "GET", "ResourceTypes", token).json()
    assert [t["id"] for t in types["Resources"]] == ["User"]
    assert types["Resources"][0]["schemaExtensions"][0]["schema"] == ENTERPRISE
    schemas = call(client, "GET", "Schemas", token).json()
    assert {s["id"] for s in schemas["Resources"]} == {USER, ENTERPRISE}
