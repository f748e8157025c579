"""Sections of the home page that other apps add, as they add notification kinds.

The home page belongs to `supervision`, but what a facilitator, a peer
supporter or a wellbeing lead needs to do next is known by the app that owns
it. Each app registers a section when it starts (`AppConfig.ready`): the
context name its template reads, the role it is for, and a plain function of
(user, now). The home view calls the sections of the roles the person holds,
so `supervision` imports none of those apps.
"""

from collections.abc import Callable
from dataclasses import dataclass

# Everyone with a staff profile is a supervisee (kernel.models.Role has no such
# role to grant): a section for what any member of staff does next uses this.
SUPERVISEE = "supervisee"


@dataclass(frozen=True)
class Section:
    name: str  # the context variable its template (templates/supervision/home/) reads
    role: str  # a kernel.models.Role value, or SUPERVISEE: shown to people who hold it
    build: Callable  # (user, now) -> what the template shows


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> None:
    _SECTIONS[section.name] = section


def sections_for(user, roles, now) -> dict:
    """{name: what it shows} for each registered section of a role the user holds."""
    return {
        section.name: section.build(user, now)
        for section in _SECTIONS.values()
        if section.role in roles
    }
