from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """What operators watch: beat's heartbeat, the encryption-key sentinel, counters.

    A bottom-layer app: it imports none of the domain apps (they may call it).
    The readiness and metrics pages that read these, and the domain apps' own
    figures, live in supervision_site (supervision_site/operations.py).
    """

    name = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system check
