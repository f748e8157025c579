from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_active", "is_staff")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


if apps.is_installed("allauth.usersessions"):
    from allauth.usersessions.admin import UserSessionAdmin as AllauthUserSessionAdmin
    from allauth.usersessions.models import UserSession

    # allauth's own admin searches `user__username`, which our email-only user
    # has not got, so any search there failed with a server error.
    class UserSessionAdmin(AllauthUserSessionAdmin):
        search_fields = ("user__email", "ip")

    if admin.site.is_registered(UserSession):
        admin.site.unregister(UserSession)
    admin.site.register(UserSession, UserSessionAdmin)
