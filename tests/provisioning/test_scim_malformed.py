"""Issue 18: whatever a SCIM client sends, the answer is SCIM JSON and never a 500:
broken JSON, the wrong types, filters that are not SCIM, text the database cannot
hold. The test client re-raises any server error, so a 500 fails here."""

import json
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kernel.models import StaffProfile

from .scim import ENTERPRISE, PATCH_OP, call, entra_user, switch_on

pytestmark = pytest.mark.django_db

BODIES = [
    b"",
    b"{",
    b"null",
    b"[]",
    b'"a string"',
    b"42",
    b"\xff\xfe not utf-8",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"userName": "\\ud800"}',
    b'{"userName": "nul\\u0000byte@x.example"}',
    b'{"userName": 1e999999}',
    b'{"userName": ' + b"9" * 5000 + b"}",
    json.dumps({"userName": ["a"]}).encode(),
    json.dumps({"userName": "a@x.example", "emails": "not a list"}).encode(),
    json.dumps({"userName": "a@x.example", "emails": [1, 2]}).encode(),
    json.dumps({"userName": "a@x.example", "name": "Ada"}).encode(),
    json.dumps({"userName": "a@x.example", "active": "perhaps"}).encode(),
    json.dumps({"userName": "a@x.example", "active": None}).encode(),
    json.dumps({"userName": "a@x.example", ENTERPRISE: []}).encode(),
    json.dumps(
        {"userName": "a@x.example", ENTERPRISE: {"manager": {"value": "x" * 5000}}}
    ).encode(),
    json.dumps(
        {"userName": "a@x.example", ENTERPRISE: {"manager": "99999999999999999999999"}}
    ).encode(),
    json.dumps({"userName": "a@x.example", ENTERPRISE: {"employeeNumber": "9" * 500}}).encode(),
    json.dumps({"userName": "a@x.example", ENTERPRISE: {"department": "d" * 500}}).encode(),
    json.dumps({"userName": "x" * 500, "emails": [{"value": "a@x.example"}]}).encode(),
    json.dumps({"userName": "a@x.example", "name": {"givenName": "g" * 500}}).encode(),
    json.dumps({"userName": "a@x.example", "title": "t" * 500}).encode(),
    json.dumps({"userName": "not an email"}).encode(),
    json.dumps({"userName": "a@x.example", "bad key!": 1}).encode(),
    json.dumps({"userName": "a@x.example"}).encode(),  # no name at all
]

PATCHES = [
    {},
    {"Operations": "replace"},
    {"Operations": []},
    {"Operations": [1]},
    {"Operations": [{"op": "frobnicate", "path": "active", "value": False}]},
    {"Operations": [{"op": None}]},
    {"Operations": [{"op": "remove"}]},
    {"Operations": [{"op": "remove", "path": "active"}]},
    {"Operations": [{"op": "remove", "path": "userName"}]},
    {"Operations": [{"op": "replace", "value": "not an object"}]},
    {"Operations": [{"op": "replace", "path": 7, "value": "x"}]},
    {"Operations": [{"op": "replace", "path": "emails[type eq", "value": "x"}]},
    {"Operations": [{"op": "replace", "path": "name.givenName", "value": {"a": 1}}]},
    {"Operations": [{"op": "replace", "path": "active", "value": 1}]},
    {"Operations": [{"op": "add", "path": f"{ENTERPRISE}:manager", "value": "self"}]},
    {"Operations": [{"op": "add", "path": f"{ENTERPRISE}:manager", "value": {"value": ["x"]}}]},
    {"Operations": [{"op": "add", "path": "title", "value": "nul\x00"}]},
]

FILTERS = [
    "userName",
    'userName eq "unterminated',
    'userName ne "a"',
    'userName sw "a"',
    'userName eq "a" or userName eq "b"',
    'userName eq "a" and',
    'password eq "a"',
    "userName eq true",
    'userName eq "\\u0000"',
    'userName eq "\\ud800"',
    'userName eq "\\q"',
    '(userName eq "a")',
    "x" * 5000,
    'id eq "99999999999999999999999"',
    'emails[type eq "work" eq "a"',
]


@pytest.fixture
def token(organisation, programme_admin):
    return switch_on(organisation, programme_admin)


@pytest.fixture
def person(organisation):
    from tests.factories import StaffProfileFactory

    return StaffProfileFactory(organisation=organisation, user__email="p@westfield.example")


def _scim_refusal(response, *statuses):
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        body = response.json()
        assert body["status"] == str(response.status_code)
        assert body["detail"]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_a_malformed_new_user_is_a_400_or_409_never_a_500(client, token, body):
    before = StaffProfile.objects.count()
    _scim_refusal(call(client, "POST", "Users", token, body), 400, 409, 413)
    assert StaffProfile.objects.count() == before


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_a_malformed_replacement_is_refused_or_harmless(client, token, person, body):
    _scim_refusal(call(client, "PUT", f"Users/{person.pk}", token, body), 200, 400, 409, 413)


@pytest.mark.parametrize("patch", PATCHES, ids=range(len(PATCHES)))
def test_a_malformed_patch_is_a_400(client, token, person, patch):
    patch = {"schemas": [PATCH_OP], **patch}
    if "self" in json.dumps(patch):
        patch = json.loads(json.dumps(patch).replace('"self"', f'"{person.pk}"'))
    _scim_refusal(call(client, "PATCH", f"Users/{person.pk}", token, patch), 400)
    person.user.refresh_from_db()
    assert person.user.is_active


@pytest.mark.parametrize("expression", FILTERS, ids=range(len(FILTERS)))
def test_a_filter_that_is_not_scim_is_an_invalid_filter(client, token, expression):
    response = call(client, "GET", "Users?filter=" + quote(expression), token)
    if response.status_code == 200:  # a well-formed filter that matches nobody
        assert response.json()["totalResults"] == 0
        return
    _scim_refusal(response, 400)
    assert response.json()["scimType"] == "invalidFilter"


@pytest.mark.parametrize(
    "query", ["startIndex=abc", "count=1.5", "startIndex=-5", "count=-1", "startIndex=" + "9" * 40]
)
def test_paging_values_out_of_range_are_clamped_or_refused(client, token, query):
    _scim_refusal(call(client, "GET", f"Users?{query}", token), 200, 400)


@pytest.mark.parametrize("scim_id", ["abc", "-1", "1.5", "٣", "9" * 40, "%00", " 1"])
def test_an_id_that_is_not_a_number_is_a_404(client, token, scim_id):
    _scim_refusal(call(client, "GET", "Users/" + quote(scim_id), token), 404)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "userName",
                    "active",
                    "emails",
                    "name",
                    "op",
                    "path",
                    "value",
                    "Operations",
                    "givenName",
                    ENTERPRISE,
                    "manager",
                    "title",
                    "x",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=JSON, method=st.sampled_from(["POST", "PATCH", "PUT"]))
def test_any_json_at_all_gets_a_scim_answer(client, token, person, body, method):
    path = "Users" if method == "POST" else f"Users/{person.pk}"
    response = call(client, method, path, token, json.dumps(body))
    assert response.status_code in (200, 201, 400, 409)
    assert response["Content-Type"] == "application/scim+json"


def test_a_well_formed_create_after_the_fuzz_still_works(client, token):
    body = entra_user("after@westfield.example", "after@westfield.example")
    assert call(client, "POST", "Users", token, body).status_code == 201
