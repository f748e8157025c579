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


def _seen_by(request):
    """What the view was handed as request.user, and whether it reads as signed in."""
    return HttpResponse(f"{type(request.user).__name__} {request.user.is_authenticated}")


urlpatterns.append(path("seen/", _seen_by))


@pytest.mark.urls("tests.test_login_required")
def test_a_view_is_handed_the_person_not_a_lazy_stand_in(client, supervisee):
    """Once the middleware has loaded the person, the view and its templates read
    them directly (supervision_site.middleware.unwrap_user)."""
    client.force_login(supervisee)
    response = client.get("/seen/")
    assert response.content == f"{type(supervisee).__name__} True".encode()
    assert response.wsgi_request.user == supervisee


@pytest.mark.urls("tests.test_login_required")
def test_a_stranger_is_still_sent_to_sign_in(client):
    response = client.get("/seen/")
    assert response.status_code == 302
    assert type(response.wsgi_request.user).__name__ == "AnonymousUser"
