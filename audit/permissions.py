"""Who may browse the audit trail: programme admins, for their own organisations."""

from kernel.models import Department, Organisation, Programme, Role
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


def names_for(user, ids: dict[str, set[int]]) -> dict[str, dict[int, str]]:
    """{filter: {id: name}} of the organisations, programmes and departments `ids`
    names, among those of the organisations whose trail the user may browse.

    An id of another organisation gets no name (the page says "number 7"). One
    query per kind named, so a page costs the same however many entries it shows.
    """
    organisation_ids = organisations_where(user, Role.PROGRAMME_ADMIN)
    models = {
        "organisation": Organisation.objects.filter(pk__in=organisation_ids),
        "programme": Programme.objects.filter(organisation_id__in=organisation_ids),
        "department": Department.objects.filter(organisation_id__in=organisation_ids),
    }
    return {
        kind: dict(models[kind].filter(pk__in=sorted(wanted)).values_list("pk", "name"))
        for kind, wanted in ids.items()
        if wanted and kind in models
    }
