"""The menu each role sees. Later issues add their sections here."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Role
from .permissions import user_roles

# (url name, label, role needed or None for everyone signed in, url names it covers)
MENU = [
    ("supervision:home", _("Home"), None, ("supervision:home",)),
    (
        "supervision:people",
        _("People"),
        Role.PROGRAMME_ADMIN,
        (
            "supervision:people",
            "supervision:person",
            "supervision:person_add",
            "supervision:person_edit",
            "supervision:person_roles",
            "supervision:person_deactivate",
            "supervision:person_reactivate",
            "supervision:person_invite",
        ),
    ),
    (
        "supervision:departments",
        _("Departments"),
        Role.PROGRAMME_ADMIN,
        ("supervision:departments", "supervision:department_add", "supervision:department_edit"),
    ),
    ("mfa_index", _("Security"), None, ("mfa_index",)),
]


def navigation_for(user, current_view: str) -> list[dict]:
    if not user.is_authenticated:
        return []
    roles = user_roles(user)
    return [
        {"href": reverse(name), "text": label, "current": current_view in covers}
        for name, label, role, covers in MENU
        if role is None or role in roles
    ]
