from celery import shared_task
from django.core.management import call_command


@shared_task(name="accounts.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Delete expired sign-in sessions (safe to run any number of times)."""
    call_command("clearsessions")
