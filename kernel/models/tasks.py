from django.db import models


class UnpublishedTask(models.Model):
    """A Celery task whose publishing failed after its transaction committed (the broker was
    down): kernel.tasks.publish_unpublished publishes it again once the broker answers.

    Only tasks that nothing else would redo are kept here (an invitation email, say);
    the outbox's dispatch needs none, as beat runs it every 30 seconds anyway.
    """

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=1)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"
