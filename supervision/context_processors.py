from django.conf import settings
from django.utils.translation import gettext as _

from kernel.models import Role
from kernel.permissions import get_own_profile

from .navigation import navigation_for, shell_urls


def shell(request):
    """What the page layout needs: whose organisation this is and the menu by role."""
    user = getattr(request, "user", None)
    organisation = None
    if user is not None and user.is_authenticated:
        profile = get_own_profile(user)
        organisation = profile.organisation if profile else None
    current = request.resolver_match.view_name if request.resolver_match else ""
    urls = shell_urls()
    return {
        "shell": {
            "organisation": organisation,
            "service_name": organisation.name if organisation else _("Clinical supervision"),
            "show_nhs_logo": bool(organisation and organisation.show_nhs_logo),
            "navigation": navigation_for(user, current) if user is not None else [],
            "allow_signup": settings.ACCOUNT_ALLOW_SIGNUP,
            "account_url": urls["account_email"],
            "sign_out_url": urls["account_logout"],
        },
        "Role": Role,
        "home_url": urls["supervision:home"],
    }
