from celery import shared_task
from django.core.management import call_command

from .anonymise import leavers_anonymise_due


@shared_task(name="accounts.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Delete expired sign-in sessions (safe to run any number of times)."""
    call_command("clearsessions")


@shared_task(name="accounts.tasks.anonymise_leavers")
def anonymise_leavers() -> int:
    """Anonymise people deactivated longer than LEAVER_RETENTION_DAYS (safe to run twice)."""
    return leavers_anonymise_due()
