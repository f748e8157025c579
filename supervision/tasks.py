from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from accounts.tokens import invitation_url
from kernel.graph import MAX_RETRIES as TEAMS_MAX_RETRIES
from kernel.graph import retry_delay
from kernel.models import StaffProfile


@shared_task(
    name="supervision.tasks.send_staff_invitation",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_staff_invitation(profile_id: int) -> None:
    """Email a one-time link to set a password.

    Skips people who have left, who have already set a password, or whose
    profile is gone, so a redelivered task does nothing harmful.
    """
    profile = (
        StaffProfile.objects.select_related("user", "organisation").filter(pk=profile_id).first()
    )
    if profile is None or not profile.user.is_active or profile.user.has_usable_password():
        return
    context = {
        "profile": profile,
        "organisation": profile.organisation,
        "link": invitation_url(profile.user),
        "days": settings.INVITATION_TIMEOUT_DAYS,
        "site_url": settings.SITE_URL,
    }
    subject = render_to_string("emails/invitation_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/invitation.txt", context),
        to=[profile.user.email],
    )
    message.attach_alternative(render_to_string("emails/invitation.html", context), "text/html")
    message.send()


@shared_task(name="supervision.tasks.schedule_allowance_nudges")
def schedule_allowance_nudges() -> int:
    """Daily: plan the nudges due 6 and 2 weeks before fixed allowance periods end."""
    from .notifications import schedule_allowance_nudges as plan

    return plan()


@shared_task(name="supervision.tasks.schedule_standard_reminders")
def schedule_standard_reminders() -> int:
    """Daily: remind people whose supervision has become due soon (once per due date)."""
    from .notifications_standards import schedule_standard_reminders as plan

    return plan()


@shared_task(name="supervision.tasks.schedule_wellbeing_digests")
def schedule_wellbeing_digests() -> int:
    """Monthly: plan a digest for each wellbeing lead."""
    from .notifications import schedule_wellbeing_digests as plan

    return plan()


@shared_task(name="supervision.tasks.apply_staff_import")
def apply_staff_import(import_id: int) -> None:
    """Apply a checked ESR import; a second delivery finds it applied and does nothing."""
    from .services.staff_import import staff_import_run

    staff_import_run(staff_import_id=import_id)


@shared_task(
    name="supervision.tasks.sync_session_teams_meeting",
    bind=True,
    max_retries=TEAMS_MAX_RETRIES,
    # A Graph call may take MS_GRAPH_TIMEOUT_SECONDS; a few of them, well inside.
    soft_time_limit=120,
)
def sync_session_teams_meeting(self, session_id: int) -> str:
    """Make, move or cancel the session's Teams meeting (supervision.services.teams).

    Safe to run twice: the meeting's row is locked while Graph is called, the
    create is a createOrGet by our externalId, and a move is sent only when
    Graph's times differ. A failure Graph may recover from (429, 5xx, no
    answer) is retried with a growing delay; after the last retry, or at once
    for a refusal, the meeting is marked failed and the supervisor told.
    """
    from .services.teams import session_teams_sync

    outcome = session_teams_sync(session_id, final=self.request.retries >= self.max_retries)
    if outcome == "retry":
        raise self.retry(countdown=retry_delay(self.request.retries))
    return outcome
