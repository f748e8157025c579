"""Writing the operators' rows: a heartbeat, a counter. Safe from any process, at once."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Counter, Heartbeat


def heartbeat_record(*, name: str) -> None:
    """Record that the periodic task `name` ran now."""
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})


def heartbeat_age_seconds(*, name: str) -> float | None:
    """Seconds since `name` last ran; None if it never has."""
    beat_at = Heartbeat.objects.filter(name=name).values_list("beat_at", flat=True).first()
    if beat_at is None:
        return None
    return (timezone.now() - beat_at).total_seconds()


def counter_add(*, name: str, amount: int = 1) -> None:
    """Add to a counter shared by every process (one UPDATE; the row made on first use)."""
    if Counter.objects.filter(name=name).update(value=F("value") + amount):
        return
    try:
        with transaction.atomic():
            Counter.objects.create(name=name, value=amount)
    except IntegrityError:  # another process made it first
        Counter.objects.filter(name=name).update(value=F("value") + amount)


def counter_values(*, prefix: str) -> dict[str, int]:
    """{name: value} of every counter whose name starts with `prefix`."""
    return dict(
        Counter.objects.filter(name__startswith=prefix)
        .order_by("name")
        .values_list("name", "value")
    )
