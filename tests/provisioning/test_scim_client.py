"""Issue 18: a small SCIM client of our own, speaking real HTTP to a live server the
way Entra ID's provisioning cycle does: discover, look a person up, create them,
keep them up to date, deactivate the leaver, bring them back, delete."""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote

import pytest

from kernel.models import StaffProfile
from tests.factories import OrganisationFactory, RoleGrantFactory, StaffProfileFactory

from .scim import ENTERPRISE, PATCH_OP, entra_user, switch_on

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class ScimClient:
    base: str  # the tenant URL, e.g. http://127.0.0.1:8081/scim/v2/
    token: str

    def request(self, method: str, path: str, body=None) -> tuple[int, dict, dict]:
        data = (
            body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
        )
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310 - the test's own server
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/scim+json")
        if data is not None:
            request.add_header("Content-Type", "application/scim+json; charset=utf-8")
        try:
            with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
                raw, status, headers = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            raw, status, headers = error.read(), error.code, dict(error.headers)
        return status, (json.loads(raw) if raw else {}), headers

    def find(self, user_name: str) -> list[dict]:
        status, listed, _headers = self.request(
            "GET", "Users?filter=" + quote(f'userName eq "{user_name}"')
        )
        assert status == 200
        return listed["Resources"]

    def patch(self, scim_id: str, *operations: dict) -> tuple[int, dict, dict]:
        return self.request(
            "PATCH", f"Users/{scim_id}", {"schemas": [PATCH_OP], "Operations": list(operations)}
        )


@pytest.fixture
def trust():
    organisation = OrganisationFactory(name="Northgate Community NHS Trust", slug="northgate")
    admin = StaffProfileFactory(organisation=organisation).user
    RoleGrantFactory(user=admin, organisation=organisation, role="programme_admin")
    return organisation, admin


def test_an_entra_style_provisioning_cycle_over_http(live_server, trust):
    organisation, admin = trust
    manager = StaffProfileFactory(
        organisation=organisation, user__email="manager@northgate.example"
    )
    scim = ScimClient(f"{live_server.url}/scim/v2/", switch_on(organisation, admin))

    status, config, headers = scim.request("GET", "ServiceProviderConfig")
    assert status == 200
    assert headers["Content-Type"] == "application/scim+json"
    assert config["patch"]["supported"] is True

    # Entra looks the person up first, finds nobody, and creates them.
    assert scim.find("tomasz.nowak@northgate.onmicrosoft.example") == []
    status, created, headers = scim.request(
        "POST",
        "Users",
        entra_user("tomasz.nowak@northgate.onmicrosoft.example", "tomasz.nowak@northgate.example"),
    )
    assert status == 201
    assert headers["Location"].startswith(live_server.url + "/scim/v2/Users/")
    scim_id = created["id"]
    assert [u["id"] for u in scim.find("tomasz.nowak@northgate.onmicrosoft.example")] == [scim_id]

    # Then keeps them up to date.
    status, changed, _headers = scim.patch(
        scim_id,
        {"op": "Add", "path": "title", "value": "Community nurse"},
        {"op": "Add", "path": f"{ENTERPRISE}:employeeNumber", "value": "30077"},
        {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "District nursing"},
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": str(manager.pk)},
    )
    assert status == 200
    assert changed[ENTERPRISE] == {
        "employeeNumber": "30077",
        "department": "District nursing",
        "manager": {
            "value": str(manager.pk),
            "$ref": f"{live_server.url}/scim/v2/Users/{manager.pk}",
        },
    }

    # The day IT removes them they lose access...
    status, left, _headers = scim.patch(
        scim_id, {"op": "Replace", "path": "active", "value": "False"}
    )
    assert (status, left["active"]) == (200, False)
    assert StaffProfile.objects.get(pk=scim_id).user.is_active is False
    # ...and a returner is reactivated.
    status, back, _headers = scim.patch(scim_id, {"op": "Replace", "value": {"active": True}})
    assert (status, back["active"]) == (200, True)

    status, _body, _headers = scim.request("DELETE", f"Users/{scim_id}")
    assert status == 204
    status, gone, _headers = scim.request("GET", f"Users/{scim_id}")
    assert (status, gone["active"]) == (200, False)
    assert StaffProfile.objects.filter(pk=scim_id).exists()


def test_over_http_a_wrong_token_and_broken_json_get_scim_errors(live_server, trust):
    organisation, admin = trust
    token = switch_on(organisation, admin)
    status, error, headers = ScimClient(f"{live_server.url}/scim/v2/", "wrong").request(
        "GET", "Users"
    )
    assert (status, error["status"]) == (401, "401")
    assert headers["WWW-Authenticate"] == 'Bearer realm="SCIM"'
    scim = ScimClient(f"{live_server.url}/scim/v2/", token)
    status, error, _headers = scim.request("POST", "Users", b'{"userName": ')
    assert (status, error["scimType"]) == (400, "invalidSyntax")
