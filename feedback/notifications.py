"""The notifications this app sends, registered with the outbox."""

from notifications import registry


def register_kinds() -> None:
    from .notifications_ideas import KINDS as IDEA_KINDS
    from .notifications_measures import KINDS as MEASURE_KINDS
    from .notifications_wellbeing import KINDS

    for kind in [*KINDS, *IDEA_KINDS, *MEASURE_KINDS]:
        registry.register(kind)
