import zoneinfo

from django.utils import timezone

from kernel.permissions import get_own_profile


class OrganisationTimezoneMiddleware:
    """Show times in the zone of the signed-in person's organisation.

    The database keeps UTC; templates then render local time, and the
    templates name the zone (GMT or BST) beside every time.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        profile = get_own_profile(request.user) if hasattr(request, "user") else None
        if profile is not None:
            timezone.activate(zoneinfo.ZoneInfo(profile.organisation.time_zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
