"""Anonymising leavers: their name, email and private text go; the facts stay."""

import datetime
import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session as SignInSession
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log

from .data_export import personal_data_modules
from .leavers import leavers_due
from .sessions import user_sessions_end

logger = logging.getLogger(__name__)

# Stored, not shown through gettext: it is the person's name from now on.
ANONYMISED_NAME = "Former member of staff"
# The most people one nightly run anonymises; the rest wait for the next night.
BATCH_SIZE = 200
# Session engines that keep every session in django_session.
_TABLE_ENGINES = (
    "accounts.session_store",
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
)


def anonymised_email(user) -> str:
    """Unique (the id) and undeliverable: `.invalid` is reserved (RFC 2606)."""
    return f"anonymised-{user.pk}@invalid"


def _end_sign_in_sessions(user, now: datetime.datetime) -> int:
    """End every signed-in session of the person; returns how many.

    Deactivation already stops them working and the unusable password changes
    the session hash; this removes them. The sessions allauth lists go first;
    a session it does not list (started before listing began, say) is found in
    the session table, which is not indexed by user, so each live one is decoded.
    """
    ended = user_sessions_end(user=user)
    if settings.SESSION_ENGINE not in _TABLE_ENGINES:
        return ended
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session in SignInSession.objects.filter(expire_date__gt=now).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            store(session.session_key).delete()
            ended += 1
    return ended


@transaction.atomic
def user_anonymise(*, actor, user):
    """Remove a deactivated person's identity and private text; keep the facts.

    Their name becomes "Former member of staff", their email an undeliverable
    unique address, their NMC PIN blank, the password unusable; email addresses,
    authenticators and sign-in sessions go; every app blanks or deletes the
    private free text the person wrote (`<app>.personal_data.erase_private_text`).
    Sessions, attendance, ratings and check-in scores stay, so reports still add up.
    Running it again on the same person does nothing.
    """
    User = get_user_model()
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.anonymised_at is not None:
        return user
    if user.is_active:
        raise ValidationError(_("Deactivate this person before anonymising them."))
    now = timezone.now()
    erased = {"accounts.sign_in_sessions": _end_sign_in_sessions(user, now)}
    for app, module in personal_data_modules():
        for what, count in module.erase_private_text(user).items():
            erased[f"{app}.{what}"] = count
    user.first_name = ANONYMISED_NAME
    user.last_name = ""
    user.nmc_pin = ""
    user.email = anonymised_email(user)
    user.set_unusable_password()
    user.is_staff = False
    user.is_superuser = False
    user.anonymised_at = now
    user.save(
        update_fields=[
            "first_name",
            "last_name",
            "nmc_pin",
            "email",
            "password",
            "is_staff",
            "is_superuser",
            "anonymised_at",
        ]
    )
    profile = getattr(user, "profile", None)
    # The summary and details name the person only by id: an old name or email
    # address here would outlive the anonymisation in the audit trail.
    audit_log(
        actor=actor,
        action="staff.anonymised",
        target=user,
        organisation_id=profile.organisation_id if profile is not None else None,
        summary=f"Anonymised former member of staff {user.pk}",
        details={"erased": erased, "retention_days": settings.LEAVER_RETENTION_DAYS},
    )
    return user


def leavers_anonymise_due(*, now: datetime.datetime | None = None) -> int:
    """Anonymise everyone deactivated longer than the retention period; returns how many.

    Each person in a transaction of their own, re-checked under a row lock, so
    one failure or a reactivation since the scan stops nobody else, and a
    second run at the same time anonymises nobody twice.
    """
    now = now or timezone.now()
    done = 0
    for pk in list(leavers_due(now).values_list("pk", flat=True)[:BATCH_SIZE]):
        try:
            with transaction.atomic():
                user = leavers_due(now).select_for_update(of=("self",)).filter(pk=pk).first()
                if user is None:  # reactivated or anonymised since the scan
                    continue
                user_anonymise(actor=None, user=user)
        except Exception:
            logger.exception("Could not anonymise user %s", pk)
            continue
        done += 1
    return done
