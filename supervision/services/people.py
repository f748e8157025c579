"""Adding, changing and deactivating staff, and granting roles. Every change is audited."""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.sessions import user_sessions_end
from audit.services import audit_log, audit_log_many
from kernel.models import Department, Organisation, Role, RoleGrant, StaffProfile
from kernel.queueing import enqueue_after_commit

from ..pairing import line_manager_refusal

PROFILE_FIELDS = (
    "department",
    "profession",
    "band",
    "grade",
    "job_title",
    "line_manager",
    "start_date",
    "employee_number",
)


def _queue_invitation(profile: StaffProfile) -> None:
    from ..tasks import send_staff_invitation

    enqueue_after_commit(send_staff_invitation, profile.pk)


@transaction.atomic
def staff_invite(
    *,
    actor,
    organisation: Organisation,
    email: str,
    first_name: str,
    last_name: str,
    profession: str,
    band: str,
    grade: str = "",
    department: Department | None = None,
    job_title: str = "",
    line_manager: StaffProfile | None = None,
    start_date: datetime.date | None = None,
    employee_number: str = "",
    roles: list[str] | tuple[str, ...] = (),
    send_invitation: bool = True,
) -> StaffProfile:
    """Add a person to an organisation and email them a one-time link to set a password."""
    User = get_user_model()
    user = User(email=email.strip().lower(), first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    profile = StaffProfile(
        user=user,
        organisation=organisation,
        department=department,
        profession=profession,
        band=band,
        grade=grade,
        job_title=job_title,
        line_manager=line_manager,
        start_date=start_date,
        employee_number=employee_number,
        invited_at=timezone.now() if send_invitation else None,
    )
    profile.full_clean()
    profile.save()
    audit_log(
        actor=actor,
        action="staff.added",
        target=profile,
        organisation_id=organisation.pk,
        summary=f"Added {user.email}",
    )
    for role in roles:
        role_grant(actor=actor, user=user, organisation=organisation, role=role)
    if send_invitation:
        _queue_invitation(profile)
    return profile


def _changes_set(profile: StaffProfile, first_name: str, last_name: str, fields) -> list[str]:
    """Set the changed names and profile fields on `profile` (and its user); returns their names."""
    changed = []
    user = profile.user
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    for name in PROFILE_FIELDS:
        if name in fields and getattr(profile, name) != fields[name]:
            setattr(profile, name, fields[name])
            changed.append(name)
    return changed


def _updated_entry(profile: StaffProfile, changed: list[str]) -> tuple:
    return profile, f"Updated {profile.user.email}", {"fields": changed}


@transaction.atomic
def staff_update(*, actor, profile: StaffProfile, first_name: str, last_name: str, **fields):
    """Change a person's name and profile fields; the audit entry names what changed."""
    if "line_manager" in fields and fields["line_manager"] != profile.line_manager:
        refusal = line_manager_refusal(profile, fields["line_manager"])
        if refusal:
            raise ValidationError({"line_manager": refusal})
    changed = _changes_set(profile, first_name, last_name, fields)
    if not changed:
        return profile
    profile.user.full_clean()
    profile.user.save()
    profile.full_clean()
    profile.save()
    target, summary, details = _updated_entry(profile, changed)
    audit_log(
        actor=actor,
        action="staff.updated",
        target=target,
        organisation_id=profile.organisation_id,
        summary=summary,
        details=details,
    )
    return profile


# --- Many at once: an ESR import ---------------------------------------------
# The same steps as staff_invite and staff_update, each made once for a batch
# (one insert or update per table), so 10,000 people take seconds, not minutes.
# Uniqueness is checked by the caller for the whole batch (the import's dry run)
# and enforced by the database's constraints.


@dataclass
class NewStaff:
    email: str
    first_name: str
    last_name: str
    profession: str
    band: str
    grade: str = ""  # a doctor's grade
    employee_number: str = ""
    department_id: int | None = None
    job_title: str = ""
    start_date: datetime.date | None = None


@transaction.atomic
def staff_add_many(
    *, actor, organisation: Organisation, people: list[NewStaff], source: str
) -> list[StaffProfile]:
    """Add many people, without invitations (`staff_invitations_send` sends them);
    one `staff.added` audit entry each, naming the `source`."""
    User = get_user_model()
    users, profiles = [], []
    for person in people:
        user = User(
            email=person.email.strip().lower(),
            first_name=person.first_name,
            last_name=person.last_name,
        )
        user.set_unusable_password()
        user.full_clean(validate_unique=False, validate_constraints=False)
        users.append(user)
    User.objects.bulk_create(users, batch_size=1000)
    for user, person in zip(users, people, strict=True):
        profile = StaffProfile(
            user=user,
            organisation=organisation,
            department_id=person.department_id,
            profession=person.profession,
            band=person.band,
            grade=person.grade,
            job_title=person.job_title,
            start_date=person.start_date,
            employee_number=person.employee_number,
        )
        profile.full_clean(
            exclude=["user", "organisation", "department", "line_manager"],
            validate_unique=False,
            validate_constraints=False,
        )
        profiles.append(profile)
    StaffProfile.objects.bulk_create(profiles, batch_size=1000)
    audit_log_many(
        actor=actor,
        action="staff.added",
        entries=[(p, f"Added {p.user.email}", {"source": source}) for p in profiles],
        organisation_id=organisation.pk,
    )
    return profiles


@dataclass
class StaffChange:
    profile: StaffProfile  # with its user
    first_name: str
    last_name: str
    fields: dict = field(default_factory=dict)


@transaction.atomic
def staff_update_many(*, actor, organisation: Organisation, changes: list[StaffChange]) -> int:
    """Change many people at once; one `staff.updated` entry each, naming what changed.

    Line managers must have passed the pairing rule already (the import's dry run
    asks `pairing.supervising_pairs` for the whole file). Returns how many changed.
    """
    changed_profiles, entries = [], []
    for change in changes:
        changed = _changes_set(change.profile, change.first_name, change.last_name, change.fields)
        if changed:
            change.profile.full_clean(
                exclude=["user", "organisation", "department", "line_manager"],
                validate_unique=False,
                validate_constraints=False,
            )
            changed_profiles.append(change.profile)
            entries.append(_updated_entry(change.profile, changed))
    get_user_model().objects.bulk_update(
        [p.user for p in changed_profiles], ["first_name", "last_name"], batch_size=1000
    )
    StaffProfile.objects.bulk_update(changed_profiles, list(PROFILE_FIELDS), batch_size=1000)
    audit_log_many(
        actor=actor, action="staff.updated", entries=entries, organisation_id=organisation.pk
    )
    return len(changed_profiles)


@transaction.atomic
def staff_invitations_send(*, actor, organisation: Organisation, profiles) -> int:
    """Invite many people at once, each by the usual invitation email (one task each)."""
    profiles = [p for p in profiles if p.user.is_active and not p.has_accepted_invitation]
    now = timezone.now()
    for profile in profiles:
        profile.invited_at = now
    StaffProfile.objects.bulk_update(profiles, ["invited_at"], batch_size=1000)
    audit_log_many(
        actor=actor,
        action="staff.invited",
        entries=[(p, f"Sent an invitation to {p.user.email}", None) for p in profiles],
        organisation_id=organisation.pk,
    )
    for profile in profiles:
        _queue_invitation(profile)
    return len(profiles)


@transaction.atomic
def staff_invitation_resend(*, actor, profile: StaffProfile) -> StaffProfile:
    profile.invited_at = timezone.now()
    profile.save(update_fields=["invited_at"])
    audit_log(
        actor=actor,
        action="staff.invited",
        target=profile,
        organisation_id=profile.organisation_id,
        summary=f"Sent a new invitation to {profile.user.email}",
    )
    _queue_invitation(profile)
    return profile


@transaction.atomic
def staff_deactivate(*, actor, profile: StaffProfile, reason: str) -> StaffProfile:
    """Stop a person signing in. Their history stays; their open sessions stop working."""
    user = profile.user
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot deactivate yourself."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    # An inactive user's session is refused on every request anyway; ending
    # the sessions too leaves nothing behind to revive by reactivating.
    user_sessions_end(user=user)
    audit_log(
        actor=actor,
        action="staff.deactivated",
        target=profile,
        organisation_id=profile.organisation_id,
        summary=f"Deactivated {user.email}",
        details={"reason": reason},
    )
    return profile


@transaction.atomic
def staff_reactivate(*, actor, profile: StaffProfile) -> StaffProfile:
    """Let a deactivated person sign in again, unless they have been anonymised."""
    user = profile.user
    if user.anonymised_at is not None:
        # Their name, email and private text are gone; a new account is the way back.
        raise ValidationError(
            _(
                "This person was anonymised after leaving, so they cannot be "
                "reactivated. Add them again as a new person."
            )
        )
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_log(
        actor=actor,
        action="staff.reactivated",
        target=profile,
        organisation_id=profile.organisation_id,
        summary=f"Reactivated {user.email}",
    )
    return profile


@transaction.atomic
def role_grant(*, actor, user, organisation: Organisation, role: str) -> RoleGrant:
    """Give `user` a role in `organisation` (no-op if they hold it already)."""
    grant, created = RoleGrant.objects.get_or_create(
        user=user, organisation=organisation, role=role, defaults={"granted_by": actor}
    )
    if created:
        audit_log(
            actor=actor,
            action="role.granted",
            target=grant,
            organisation_id=organisation.pk,
            summary=f"{Role(role).label} granted to {user.email}",
            details={"role": role, "user_id": user.pk},
        )
    return grant


@transaction.atomic
def role_remove(*, actor, user, organisation: Organisation, role: str) -> bool:
    """Take a role away; returns whether the user held it."""
    grant = RoleGrant.objects.filter(user=user, organisation=organisation, role=role).first()
    if grant is None:
        return False
    audit_log(
        actor=actor,
        action="role.removed",
        target=grant,
        organisation_id=organisation.pk,
        summary=f"{Role(role).label} removed from {user.email}",
        details={"role": role, "user_id": user.pk},
    )
    grant.delete()
    return True


@transaction.atomic
def staff_roles_set(*, actor, profile: StaffProfile, roles) -> tuple[set[str], set[str]]:
    """Make the person's roles in their organisation exactly `roles`; returns (added, removed)."""
    organisation = profile.organisation
    current = set(
        RoleGrant.objects.filter(user=profile.user, organisation=organisation).values_list(
            "role", flat=True
        )
    )
    wanted = set(roles)
    if actor.pk == profile.user_id and Role.PROGRAMME_ADMIN in current - wanted:
        raise ValidationError(_("You cannot remove your own programme admin role."))
    for role in sorted(wanted - current):
        role_grant(actor=actor, user=profile.user, organisation=organisation, role=role)
    for role in sorted(current - wanted):
        role_remove(actor=actor, user=profile.user, organisation=organisation, role=role)
    return wanted - current, current - wanted
