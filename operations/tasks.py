from celery import shared_task

from .services import heartbeat_record

BEAT = "beat"


@shared_task(name="operations.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    """Beat queues this every minute; a worker runs it: readiness reads the time it ran."""
    heartbeat_record(name=BEAT)
