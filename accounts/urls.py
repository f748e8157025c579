from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("my-data/", views.data_export, name="data_export"),
    path("nmc-pin/", views.nmc_pin, name="nmc_pin"),
    path(
        "invitation/<str:uidb64>/<str:token>/",
        views.invitation_accept,
        name="invitation_accept",
    ),
]
