from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Clinical supervision administration"
# The Django admin signs in through allauth: its two-factor stage and rate limits.
# (allauth's documented recipe; mypy forbids replacing a method on an instance.)
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("notifications.urls")),
    path("django-admin/", admin.site.urls),
    path("", include("peergroups.urls")),
    path("", include("feedback.urls")),
    path("", include("reports.urls")),
    path("", include("audit.urls")),
    path("", include("provisioning.urls")),
    path("", include("supervision.urls")),
]

handler400 = "supervision.views.errors.bad_request"
handler403 = "supervision.views.errors.permission_denied"
handler404 = "supervision.views.errors.page_not_found"
handler500 = "supervision.views.errors.server_error"
