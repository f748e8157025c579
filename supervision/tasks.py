import zoneinfo

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.tokens import invitation_url

from .models import StaffProfile


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


SESSION_EMAIL_SUBJECTS = {
    "booked": "Supervision booked: {when}",
    "rescheduled": "Supervision moved to {when}",
    "cancelled": "Supervision cancelled: {when}",
    "logged": "Please confirm your supervision record for {when}",
}


@shared_task(
    name="supervision.tasks.send_session_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_session_email(session_id: int, change: str) -> None:
    """Tell both people about a booking, move or cancellation, with a calendar invite.

    After logging, only the supervisee is asked to confirm. No email carries
    what was discussed.
    """
    from .calendar import session_invite
    from .models import Session

    session = (
        Session.objects.select_related("programme__organisation", "supervisor", "supervisee")
        .filter(pk=session_id)
        .first()
    )
    if session is None or change not in SESSION_EMAIL_SUBJECTS:
        return
    zone = zoneinfo.ZoneInfo(session.programme.organisation.time_zone)
    local_start = session.starts_at.astimezone(zone)
    when = f"{local_start:%A %-d %B %Y at %H:%M} {local_start.tzname()}"
    recipients = (
        [session.supervisee] if change == "logged" else [session.supervisee, session.supervisor]
    )
    invite = None if change == "logged" else session_invite(session, cancel=change == "cancelled")
    for person in recipients:
        context = {
            "session": session,
            "person": person,
            "other": session.other_person(person),
            "change": change,
            "when": when,
            "organisation": session.programme.organisation,
            "link": f"{settings.SITE_URL}{reverse('supervision:session', args=[session.pk])}",
        }
        message = EmailMultiAlternatives(
            subject=SESSION_EMAIL_SUBJECTS[change].format(when=when),
            body=render_to_string("emails/session.txt", context),
            to=[person.email],
        )
        message.attach_alternative(render_to_string("emails/session.html", context), "text/html")
        if invite is not None:
            method = "CANCEL" if change == "cancelled" else "REQUEST"
            message.attach("invite.ics", invite, f"text/calendar; method={method}; charset=utf-8")
        message.send()
