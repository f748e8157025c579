from django.contrib import admin

from .models import Department, Organisation, RoleGrant, StaffProfile


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "time_zone", "show_nhs_logo", "teams_meetings")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "kind")
    list_filter = ("organisation",)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "department", "profession", "band", "grade")
    list_filter = ("organisation", "profession", "band", "grade")
    search_fields = ("user__email", "user__first_name", "user__last_name")
    raw_id_fields = ("user", "line_manager")


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "granted_at")
    list_filter = ("organisation", "role")
    raw_id_fields = ("user", "granted_by")

    # Roles change through the people directory, which audits every change.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
