from django.contrib import admin

from supervision_site.encryption import encrypted_fields

from .models import Notification

# Who, what kind, when and in which state; never the payload, which may carry
# a person's words until it is sent (tests/test_admin_confidentiality.py).
SHOWN = tuple(f.name for f in Notification._meta.fields if f not in encrypted_fields(Notification))


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: what was sent to whom and when, and why one failed. No content."""

    list_display = ("kind", "recipient", "due_at", "state", "attempts", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("recipient__email",)
    fields = readonly_fields = SHOWN

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
