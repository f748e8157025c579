"""What each kind of notification says, registered by the app that owns its object.

The outbox knows nothing of sessions or groups: an app registers a Kind whose
`render` turns a notification row into a Message, or returns None when the
notification is no longer needed (the session was logged, the allowance used).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Message:
    subject: str
    template: str  # notifications/emails/<template>.txt and .html
    context: dict
    organisation_name: str
    url: str  # where the in-app list links to
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Kind:
    name: str
    label: "StrOrPromise"  # gettext_lazy: translated when shown
    render: Callable  # (Notification) -> Message | None
    # Prompts wait for the morning in quiet hours; reminders and changes do not.
    prompt: bool = True
    # Whether a person may switch the email off (session reminders: no).
    optional: bool = True


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> Kind | None:
    return _KINDS.get(name)


def all_kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.label)
