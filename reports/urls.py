from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.engagement, name="engagement"),
    path("reports/summary/", views.summary, name="summary"),
    path("reports/export/<slug:table>.csv", views.export, name="export"),
    path("reports/compliance/", views.compliance, name="compliance"),
    path("reports/compliance/nudge/", views.compliance_nudge, name="compliance_nudge"),
    path("reports/compliance.csv", views.compliance_export, name="compliance_export"),
    path("reports/targets/", views.targets, name="targets"),
]
