from celery import shared_task

from .queueing import publish_unpublished as publish_saved


@shared_task(name="kernel.tasks.publish_unpublished", ignore_result=True)
def publish_unpublished() -> int:
    """Every minute: queue the tasks saved while the broker was unavailable (kernel.queueing)."""
    return publish_saved()
