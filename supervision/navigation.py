"""The menu each role sees. Later issues add their sections here."""

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext as _

from kernel.models import Role
from kernel.permissions import user_roles

SIGNED_IN = None

# (url name, label, role needed (SIGNED_IN for everyone; a tuple: any of them), url names it covers;
# a name ending in "_" covers every name that starts with it)
MENU = [
    ("supervision:home", _("Home"), SIGNED_IN, ("supervision:home",)),
    (
        "supervision:programmes",
        _("Supervision"),
        SIGNED_IN,
        (
            "supervision:programmes",
            "supervision:supervisors",
            "supervision:supervisor",
            "supervision:supervisor_request",
            "supervision:first_session_book",
            "supervision:agreement_",
            "supervision:agreements",
            "supervision:agreement",
        ),
    ),
    (
        "supervision:sessions",
        _("Sessions"),
        SIGNED_IN,
        ("supervision:sessions", "supervision:session", "supervision:session_"),
    ),
    (
        "peergroups:groups",
        _("Groups"),
        SIGNED_IN,
        (
            "peergroups:group",
            "peergroups:groups",
            "peergroups:group_",
            "peergroups:member_",
            "peergroups:session",
            "peergroups:session_",
            "peergroups:meeting_themes",
            "peergroups:theme_",
            "peergroups:external_facilitators",
            "peergroups:external_facilitator_",
        ),
    ),
    (
        "peergroups:support_requests",
        _("Peer support"),
        SIGNED_IN,
        (
            "peergroups:support_",
            "peergroups:supporter_profile",
            "peergroups:resource",
            "peergroups:resources",
            "peergroups:resource_",
        ),
    ),
    ("feedback:journal", _("Journal"), SIGNED_IN, ("feedback:journal", "feedback:journal_")),
    (
        "feedback:wellbeing",
        _("Wellbeing"),
        SIGNED_IN,
        ("feedback:wellbeing_", "feedback:wellbeing"),
    ),
    (
        "feedback:ideas",
        _("Ideas"),
        SIGNED_IN,
        ("feedback:ideas", "feedback:idea", "feedback:idea_"),
    ),
    (
        "supervision:availability",
        _("Availability"),
        Role.SUPERVISOR,
        (
            "supervision:availability",
            "supervision:availability_",
            "supervision:supervisor_profile",
            "supervision:supervisor_training_",
        ),
    ),
    (
        "supervision:people",
        _("People"),
        Role.PROGRAMME_ADMIN,
        ("supervision:people", "supervision:person", "supervision:person_"),
    ),
    (
        "supervision:departments",
        _("Departments"),
        Role.PROGRAMME_ADMIN,
        ("supervision:departments", "supervision:department_"),
    ),
    (
        "supervision:manage_programmes",
        _("Programmes"),
        Role.PROGRAMME_ADMIN,
        ("supervision:manage_",),
    ),
    (
        "reports:engagement",
        _("Reports"),
        (Role.WELLBEING_LEAD, Role.PROGRAMME_ADMIN),
        ("reports:", "peergroups:themes"),
    ),
    ("audit:log", _("Audit log"), Role.PROGRAMME_ADMIN, ("audit:log",)),
    ("notifications:list", _("Notifications"), SIGNED_IN, ("notifications:",)),
    (
        "mfa_index",
        _("Security"),
        SIGNED_IN,
        ("mfa_", "accounts:data_export", "accounts:nmc_pin", "usersessions_list"),
    ),
]


def _covers(cover: str, view_name: str) -> bool:
    return view_name.startswith(cover) if cover.endswith("_") else view_name == cover


# The layout's links (the menu's and the header's) are the same on every page: each
# reversed once per URL configuration and prefix, not a dozen times a request.
SHELL_URLS = ("supervision:home", "account_email", "account_logout")
_urls: dict[tuple, dict[str, str]] = {}


def shell_urls() -> dict[str, str]:
    """{url name: path} for the menu's entries and SHELL_URLS."""
    key = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    urls = _urls.get(key)
    if urls is None:
        names = [name for name, *_rest in MENU] + list(SHELL_URLS)
        urls = _urls[key] = {name: reverse(name) for name in names}
    return urls


def navigation_for(user, current_view: str) -> list[dict]:
    if not user.is_authenticated:
        return []
    roles = user_roles(user)
    urls = shell_urls()
    return [
        {
            "href": urls[name],
            "text": label,
            "current": any(_covers(cover, current_view) for cover in covers),
        }
        for name, label, role, covers in MENU
        if role is SIGNED_IN or (set(role) & roles if isinstance(role, tuple) else role in roles)
    ]
