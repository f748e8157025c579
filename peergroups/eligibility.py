"""Who may join a group: the programme rule (kernel.eligibility) applied to groups.

A group admits the staff of its host organisation, and of other organisations
when it is open to them (all, or those listed), whose profession, band,
doctor's grade and department meet its rule. Every way into a group asks `group_refusal`: asking
to join, a facilitator accepting or adding someone, a place offered from the
waiting list and its acceptance. The facilitators still accept each request:
being eligible lets someone ask, it does not let them in.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.eligibility import (
    BAND,
    DEPARTMENT,
    GRADE,
    ORGANISATION,
    PROFESSION,
    grade_words,
    refusal,
    unmet,
)
from kernel.models import StaffProfile
from kernel.permissions import get_own_profile
from supervision.allowances import may_use

from .models import Group

# What the person asking is told; "%(name)s" is someone a facilitator tried to add.
YOURS = {
    ORGANISATION: gettext_lazy("This group is not open to staff of your organisation."),
    BAND: gettext_lazy("This group is not open to your band."),
    PROFESSION: gettext_lazy("This group is not open to your profession."),
    DEPARTMENT: gettext_lazy("This group is not open to your department."),
    GRADE: gettext_lazy("This group is only for doctors in %(grades)s."),
}
THEIRS = {
    ORGANISATION: gettext_lazy(
        "%(name)s cannot join: this group is not open to staff of their organisation."
    ),
    BAND: gettext_lazy("%(name)s cannot join: this group is not open to their band."),
    PROFESSION: gettext_lazy("%(name)s cannot join: this group is not open to their profession."),
    DEPARTMENT: gettext_lazy("%(name)s cannot join: this group is not open to their department."),
    GRADE: gettext_lazy("%(name)s cannot join: this group is only for doctors in %(grades)s."),
}


def group_organisation_ids(group: Group) -> list[int] | None:
    """The organisations whose staff may join; None for any (open, with none listed)."""
    if not group.open_to_other_organisations:
        return [group.organisation_id]
    listed = [organisation.pk for organisation in group.eligible_organisations.all()]
    return [group.organisation_id, *listed] if listed else None


def group_unmet(group: Group, profile: StaffProfile | None) -> str | None:
    """The condition of the group's rule `profile` does not meet, or None (kernel.eligibility)."""
    return unmet(group, profile, group_organisation_ids(group))


def group_refusal(group: Group, user, *, actor=None) -> str | None:
    """Why `user` may not join `group`, in words for `actor` (themselves by default); None if
    they may."""
    profile = get_own_profile(user)  # their staff profile, kept on the user object
    missing = group_unmet(group, profile)
    if missing is None:
        return None
    words = {"name": user.get_full_name() or user.email, "grades": grade_words(group)}
    if actor is not None and actor.pk != user.pk:
        return str(THEIRS[missing]) % words
    # The person themselves: the group's own words for the condition, if it has them,
    # and a programme they may use instead (the rule programmes use: kernel.eligibility).
    found = refusal(
        group,
        missing,
        standard=str(YOURS[missing]) % words,
        may_use=lambda programme: may_use(programme, profile),
    )
    if found.alternative is None:
        return found.reason
    return _("%(reason)s You could use “%(programme)s” instead.") % {
        "reason": found.reason,
        "programme": found.alternative.name,
    }
