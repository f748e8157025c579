"""Who may browse the audit trail: programme admins, for their own organisations."""

from kernel.models import Organisation, Role
from kernel.permissions import organisations_where

from .models import AuditEntry

# Entries about these records are left out of the admins' view even though they
# hold no text: that a named person wrote in their journal, made a wellbeing
# check-in or gave feedback on a session is itself for them alone (feedback is
# shown to supervisors only as aggregates of at least 3; an admin may also
# supervise). The rows stay in the trail for an investigation.
PRIVATE_TARGET_TYPES = (
    "feedback.journalentry",
    "feedback.wellbeingcheckin",
    "feedback.feedbackresponse",
)


def audit_entries_visible_to(user):
    """Entries of the organisations in which the user is a programme admin."""
    return AuditEntry.objects.filter(
        organisation_id__in=organisations_where(user, Role.PROGRAMME_ADMIN)
    ).exclude(target_type__in=PRIVATE_TARGET_TYPES)


def organisation_names_for(user) -> dict[int, str]:
    """{id: name} of the organisations whose trail the user may browse."""
    organisations = Organisation.objects.filter(
        pk__in=organisations_where(user, Role.PROGRAMME_ADMIN)
    )
    return dict(organisations.values_list("pk", "name"))
