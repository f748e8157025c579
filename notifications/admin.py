from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: what was sent to whom and when, and why one failed. No content."""

    list_display = ("kind", "recipient", "due_at", "state", "attempts", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("recipient__email",)
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
