"""Group upkeep (meetings out to the horizon, offers past their deadline) and peer
support's first-contact prompts.

Each task takes ids and is safe to run twice.
"""

from celery import shared_task
from django.utils import timezone

from kernel.graph import MAX_RETRIES as TEAMS_MAX_RETRIES
from kernel.graph import retry_delay

from .models import Group, Membership


@shared_task
def extend_group_meetings() -> int:
    """Generate every active group's meetings out to about 6 months ahead."""
    from .services.groups import groups_needing_meetings

    for group_id in groups_needing_meetings():
        extend_one_group.delay(group_id)
    return 0


@shared_task
def extend_one_group(group_id: int) -> int:
    from .services.groups import meetings_extend_for

    if not Group.objects.open().filter(pk=group_id).exists():
        return 0
    return meetings_extend_for(group_id=group_id)


@shared_task
def expire_group_offers() -> int:
    """Expire offers past their deadline and offer each place to the next person waiting."""
    from .services.groups import offers_expire

    group_ids = (
        Membership.objects.filter(
            state=Membership.State.OFFERED, offer_expires_at__lte=timezone.now()
        )
        .values_list("group_id", flat=True)
        .distinct()
    )
    return sum(offers_expire(group_id=group_id) for group_id in list(group_ids))


@shared_task(name="peergroups.tasks.schedule_first_contact_prompts")
def schedule_first_contact_prompts() -> int:
    """Every 15 minutes: remind supporters before first contact is due, and alert the
    coordinators once it is overdue (each at most once per assignment)."""
    from .notifications_peer import schedule_first_contact_prompts as plan

    return plan()


@shared_task(
    name="peergroups.tasks.send_external_facilitator_invitation",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_external_facilitator_invitation(external_id: int) -> None:
    """Email an external facilitator: a one-time link to set a password, or (when they
    already have one, from another organisation) word that they can sign in.

    Skips an invitation withdrawn since or a person who has left, so a redelivered
    task sends nothing to someone who should not have it.
    """
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives
    from django.template.loader import render_to_string

    from accounts.tokens import invitation_url

    from .models import ExternalFacilitator

    external = (
        ExternalFacilitator.objects.select_related("user", "organisation")
        .filter(pk=external_id)
        .first()
    )
    if external is None or not external.user.is_active:
        return
    user = external.user
    context = {
        "user": user,
        "organisation": external.organisation,
        "link": None if user.has_usable_password() else invitation_url(user),
        "sign_in": settings.SITE_URL,
        "days": settings.INVITATION_TIMEOUT_DAYS,
    }
    names = "emails/external_facilitator_invitation"
    message = EmailMultiAlternatives(
        subject=render_to_string(f"{names}_subject.txt", context).strip(),
        body=render_to_string(f"{names}.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string(f"{names}.html", context), "text/html")
    message.send()


@shared_task(
    name="peergroups.tasks.sync_group_meeting_teams",
    bind=True,
    max_retries=TEAMS_MAX_RETRIES,
    # A Graph call may take MS_GRAPH_TIMEOUT_SECONDS; a few of them, well inside.
    soft_time_limit=120,
)
def sync_group_meeting_teams(self, meeting_id: int) -> str:
    """Make, move or cancel a group meeting's Teams meeting (peergroups.services.teams).

    Safe to run twice, as the one-to-one session's task is (kernel.services.teams):
    a failure Graph may recover from is retried with a growing delay; after the
    last retry, or at once for a refusal, the meeting is marked failed and the
    facilitators told.
    """
    from .services.teams import meeting_teams_sync

    outcome = meeting_teams_sync(meeting_id, final=self.request.retries >= self.max_retries)
    if outcome == "retry":
        raise self.retry(countdown=retry_delay(self.request.retries))
    return outcome
