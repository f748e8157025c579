"""Audit entries carry the client's IP; refused requests are audited."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from audit.context import client_ip
from audit.models import AuditEntry
from audit.services import audit_log

pytestmark = pytest.mark.django_db


# --- The client's address -------------------------------------------------------------


def _request(remote="198.51.100.4", forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_trusted_proxies_the_address_is_who_connected_and_the_header_is_ignored(
    settings,
):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="203.0.113.9")) == "198.51.100.4"


def test_behind_one_proxy_the_address_is_the_last_one_it_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client made up the first entry; the proxy appended the real one.
    assert client_ip(_request(forwarded="10.9.9.9, 203.0.113.9")) == "203.0.113.9"


def test_behind_two_proxies_the_address_is_the_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(forwarded="10.9.9.9, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"


def test_a_header_with_too_few_entries_falls_back_to_who_connected(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(forwarded="203.0.113.9")) == "198.51.100.4"


def test_addresses_with_ports_and_ipv6_are_read_and_rubbish_is_dropped(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(forwarded="203.0.113.9:5123")) == "203.0.113.9"
    assert client_ip(_request(forwarded="[2001:db8::7]:443")) == "2001:db8::7"
    assert client_ip(_request(forwarded="2001:db8::8")) == "2001:db8::8"
    assert client_ip(_request(forwarded="not-an-address")) is None
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(remote="")) is None


def test_a_change_made_in_a_request_records_the_clients_address(client, programme_admin):
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:department_add"),
        {"name": "Ward 9", "kind": "ward"},
        REMOTE_ADDR="198.51.100.23",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="department.added")
    assert (entry.actor, entry.ip_address) == (programme_admin, "198.51.100.23")


def test_a_change_made_outside_a_request_has_no_address(organisation):
    entry = audit_log(actor=None, action="x.y", target=organisation, summary="By a task")
    assert entry.ip_address is None


# --- Refused requests -------------------------------------------------------------------


def test_a_403_is_audited_with_who_where_and_from_which_address(client, supervisee, organisation):
    client.force_login(supervisee)
    response = client.get(reverse("supervision:people") + "?q=secret", REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 403
    entry = AuditEntry.objects.get(action="access.denied")
    assert entry.actor == supervisee
    assert entry.organisation_id == organisation.pk
    assert (entry.target_type, entry.target_id) == ("url", "/people/")
    assert entry.ip_address == "198.51.100.7"
    assert entry.details == {"method": "GET", "status": 403}
    assert "secret" not in entry.summary  # the query string is left out


def test_a_403_for_the_wrong_participant_of_a_session_is_audited(client, frozen_now, agreement):
    from supervision.services.sessions import session_book
    from tests.scenario import tuesday

    session = session_book(
        actor=agreement.supervisee,
        programme=agreement.programme,
        supervisor=agreement.supervisor,
        agreement=agreement,
        starts_at=tuesday(1, 14),
    )
    client.force_login(agreement.supervisee)  # only the supervisor logs a session
    url = reverse("supervision:session_log", args=[session.pk])
    assert client.get(url).status_code == 403
    entry = AuditEntry.objects.get(action="access.denied")
    assert (entry.actor, entry.target_id) == (agreement.supervisee, url)


def test_an_anonymous_403_is_audited_without_an_actor(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {}, REMOTE_ADDR="198.51.100.8")
    assert response.status_code == 403  # no CSRF token
    entry = AuditEntry.objects.get(action="access.denied")
    assert (entry.actor, entry.organisation_id) == (None, None)
    assert (entry.ip_address, entry.details["method"]) == ("198.51.100.8", "POST")


def test_a_signed_in_miss_on_a_records_url_is_audited_as_not_found(client, outsider, supervisee):
    client.force_login(outsider)  # an admin of another trust tries this trust's person
    url = reverse("supervision:person", args=[supervisee.profile.pk])
    assert client.get(url).status_code == 404
    entry = AuditEntry.objects.get(action="access.not_found")
    assert (entry.actor, entry.target_id) == (outsider, url)
    assert entry.organisation_id == outsider.profile.organisation_id


def test_a_miss_on_an_address_that_names_no_record_is_not_audited(client, supervisee):
    client.force_login(supervisee)
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/people/not-a-number/").status_code == 404
    assert not AuditEntry.objects.exists()


def test_pages_that_are_allowed_write_nothing(client, programme_admin):
    client.force_login(programme_admin)
    assert client.get(reverse("supervision:people")).status_code == 200
    assert not AuditEntry.objects.exists()
