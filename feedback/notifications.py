"""The notifications this app sends, registered with the outbox."""

from notifications import registry


def register_kinds() -> None:
    from .notifications_wellbeing import KINDS

    for kind in KINDS:
        registry.register(kind)
