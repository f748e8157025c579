"""Sections of the home page that other apps add, as they add notification kinds.

The home page belongs to `supervision`, but what a facilitator, a peer
supporter or a wellbeing lead needs to do next is known by the app that owns
it. Each app registers a section when it starts (`AppConfig.ready`): the
context name its template reads, the role it is for, and a plain function of
(user, now). The home view calls the sections of the roles the person holds,
so `supervision` imports none of those apps. A section with no role is for
everyone (a member of a group holds no role for it); one for another `page`
(the list of one's sessions) is called by that page.
"""

from collections.abc import Callable
from dataclasses import dataclass

# Everyone with a staff profile is a supervisee (kernel.models.Role has no such
# role to grant): a section for what any member of staff does next uses this.
SUPERVISEE = "supervisee"


@dataclass(frozen=True)
class Section:
    name: str  # the context variable its template (templates/supervision/home/) reads
    role: str | None  # a kernel.models.Role value or SUPERVISEE: shown to people who hold it;
    # None: everyone
    build: Callable  # (user, now) -> what the template shows
    page: str = "home"  # or "sessions": the list of one's sessions


_SECTIONS: dict[tuple[str, str], Section] = {}


def register(section: Section) -> None:
    _SECTIONS[(section.page, section.name)] = section


def sections_for(user, roles, now, page: str = "home") -> dict:
    """{name: what it shows} for each registered section of the page for a role the
    user holds (or for everyone)."""
    return {
        section.name: section.build(user, now)
        for section in _SECTIONS.values()
        if section.page == page and (section.role is None or section.role in roles)
    }
