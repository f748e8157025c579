"""A view is for signed-in people unless it says otherwise (LoginRequiredMiddleware)."""

import pytest
from django.http import HttpResponse
from django.urls import include, path, reverse


def unmarked(request):
    return HttpResponse("for signed-in people")


urlpatterns = [path("unmarked/", unmarked), path("accounts/", include("allauth.urls"))]

pytestmark = pytest.mark.django_db


@pytest.mark.urls("tests.test_login_required")
def test_a_view_nobody_marked_is_private(client, supervisee):
    response = client.get("/unmarked/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/unmarked/")
    client.force_login(supervisee)
    assert client.get("/unmarked/").content == b"for signed-in people"


def test_the_public_views_are_marked_public(client):
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("account_login")).status_code == 200
    # a bad invitation link answers itself, not with the sign-in page
    response = client.get(reverse("accounts:invitation_accept", args=["MQ", "not-a-token"]))
    assert response.status_code != 302


def test_the_django_admin_keeps_its_own_sign_in(client):
    response = client.get("/django-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/django-admin/login/")
