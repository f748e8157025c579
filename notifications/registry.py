"""What each kind of notification says, registered by the app that owns its object.

The outbox knows nothing of sessions or groups: an app registers a Kind whose
`render` turns a notification row into a Message, or returns None when the
notification is no longer needed (the session was logged, the allowance used).

A kind may also say how to `load` the objects its notifications concern, many
at once: the outbox then loads a batch's objects in one query per loader
(preload) and `render` finds its own with `target`.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
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
    # (target ids) -> {id: object}: the objects many notifications concern, in one
    # query. Kinds about the same sort of object share one loader.
    load: Callable | None = None


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> Kind | None:
    return _KINDS.get(name)


def all_kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.label)


# Where preload leaves a notification's object (None: it is gone) for `target`.
_LOADED = "_outbox_target"


def preload(notifications: Iterable) -> None:
    """Load the objects these notifications concern, one query per loader."""
    by_loader = defaultdict(list)
    for notification in notifications:
        kind = get(notification.kind)
        if kind is not None and kind.load is not None:
            by_loader[kind.load].append(notification)
    for load, batch in by_loader.items():
        found = load({notification.target_id for notification in batch})
        for notification in batch:
            setattr(notification, _LOADED, found.get(notification.target_id))


def target(notification, load: Callable):
    """The object `notification` concerns: as preload found it, else by `load` now."""
    if hasattr(notification, _LOADED):
        return getattr(notification, _LOADED)
    return load({notification.target_id}).get(notification.target_id)
