"""A page that fails, for tests/operations/test_sentry.py (with the site's own URLs)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path


@login_not_required
def fails(request, token):
    secret = request.POST.get("agreed_actions")  # a local holding confidential text
    raise RuntimeError(f"the page broke for {request.user.email or 'nobody'} ({len(secret)})")


urlpatterns = [
    path("fails/<str:token>/", fails),
    path("", include("supervision_site.urls")),
]
