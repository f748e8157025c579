"""Sections of a one-to-one session's page that other apps add, as home sections are.

The session page belongs to `supervision`, but what follows a session in
another app (the supervisee's feedback on it) is known by that app. Each app
registers a section when it starts (`AppConfig.ready`): the template the page
includes and a plain function of (user, session, now) that returns what the
template shows, or None when there is nothing for this person. So
`supervision` imports none of those apps, and each app decides who sees what:
the supervisor is never given the supervisee's feedback.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SessionSection:
    template: str  # included by templates/supervision/sessions/detail.html
    build: Callable  # (user, session, now) -> dict for the template, or None


_SECTIONS: dict[str, SessionSection] = {}


def register(section: SessionSection) -> None:
    _SECTIONS[section.template] = section


def sections_for(user, session, now) -> list[dict]:
    """What each registered section shows this person, with its template; none that is empty."""
    shown = []
    for section in _SECTIONS.values():
        data = section.build(user, session, now)
        if data is not None:
            shown.append({"template": section.template, **data})
    return shown
