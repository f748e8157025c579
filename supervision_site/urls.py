from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Clinical supervision administration"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("notifications.urls")),
    path("django-admin/", admin.site.urls),
    path("", include("peergroups.urls")),
    path("", include("feedback.urls")),
    path("", include("supervision.urls")),
]

handler400 = "supervision.views.errors.bad_request"
handler403 = "supervision.views.errors.permission_denied"
handler404 = "supervision.views.errors.page_not_found"
handler500 = "supervision.views.errors.server_error"
