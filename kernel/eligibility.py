"""Who may take part in a programme or a group: one rule, for one person and for many.

A rule (`kernel.models.EligibilityRule`, held by each programme and each
group) admits everyone, or only people whose profession, band, doctor's grade
and department are among those chosen: each list that is not empty must match.
Profession is asked first: a doctor refused by a nurses' programme is told it
is not for their profession, not about a band they do not have. Where the
person works is part of it too: the organisations the programme or group is
for (a programme: its own; a group: its host, or others it is open to).

`unmet` answers for one person; `rule_q` is the same rule over a whole
population (reports, lists of people to choose from). They are kept side by
side, and tests/test_eligibility.py holds them to the same answers.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import Band, EligibilityRule, Grade, Profession, StaffProfile

ORGANISATION, BAND, PROFESSION, DEPARTMENT = "organisation", "band", "profession", "department"
GRADE = "grade"


@dataclass(frozen=True)
class Eligibility:
    """Whether someone may take part; if not, why, and where to go instead."""

    eligible: bool
    reason: str = ""
    alternative: Any = None  # a Programme to go to instead


# The conditions a programme can word its own refusal for, and where to go instead.
WORDED = (PROFESSION, BAND, GRADE, DEPARTMENT)
# The programmes a programme may send people to instead: kernel.permissions
# .refusals_fetched fetches them for a list, so that `refusal` asks no query each.
REFUSAL_RELATED = ("alternative", *(f"{condition}_alternative" for condition in WORDED))


def refusal(
    rule: EligibilityRule,
    missing: str,
    *,
    standard: str,
    may_use: Callable[[Any], bool],
) -> Eligibility:
    """What someone `rule` (a programme's or a group's) excludes on condition `missing`
    is told, and which programme they may go to instead.

    The one rule for every path (programme pages, booking, home, reminders, joining a
    group and its waiting list): the condition's own message and alternative, when
    the rule gives either; else a programme's own message and alternative; else
    `standard`, the plain reason. A message written
    with an alternative is for those who may use it (`may_use`): anyone else moves
    on down the list, so a Band 8c psychologist is never sent to a Band 5-6 route.
    """
    choices = []
    if missing in WORDED:
        choices.append((getattr(rule, f"{missing}_message"), f"{missing}_alternative"))
    if hasattr(rule, "not_eligible_message"):  # a programme; a group has no such message
        choices.append((rule.not_eligible_message, "alternative"))
    for message, field in choices:
        # The id first: no query for a programme that names no alternative.
        alternative = getattr(rule, field) if getattr(rule, f"{field}_id") else None
        if not message and alternative is None:
            continue
        if alternative is None:
            return Eligibility(False, message)
        if may_use(alternative):
            return Eligibility(False, message or standard, alternative)
    return Eligibility(False, standard)


def _department_ids(rule: EligibilityRule) -> set[int]:
    # Uses the prefetched departments when the caller fetched them.
    return {department.pk for department in rule.eligible_departments.all()}


def unmet(
    rule: EligibilityRule,
    profile: StaffProfile | None,
    organisation_ids: Collection[int] | None,
) -> str | None:
    """The first condition of `rule` that `profile` does not meet, or None if it meets them all.

    `organisation_ids`: the organisations the rule is for (None: any). Someone
    with no staff profile meets none. Returns ORGANISATION, BAND, PROFESSION
    GRADE or DEPARTMENT, for the caller to put in its own words.
    """
    if profile is None:
        return ORGANISATION
    if organisation_ids is not None and profile.organisation_id not in organisation_ids:
        return ORGANISATION
    if rule.eligible_everyone:
        return None
    if rule.eligible_professions and profile.profession not in rule.eligible_professions:
        return PROFESSION
    if rule.eligible_bands and profile.band not in rule.eligible_bands:
        return BAND
    if rule.eligible_grades and profile.grade not in rule.eligible_grades:
        return GRADE
    departments = _department_ids(rule)
    if departments and profile.department_id not in departments:
        return DEPARTMENT
    return None


def rule_q(
    rule: EligibilityRule, prefix: str = "", organisation_ids: Collection[int] | None = None
) -> Q:
    """Q over StaffProfile fields (through `prefix`) for the people `rule` admits: `unmet`
    for a population at once."""
    query = Q()
    if organisation_ids is not None:
        query &= Q(**{f"{prefix}organisation_id__in": list(organisation_ids)})
    if rule.eligible_everyone:
        return query
    if rule.eligible_bands:
        query &= Q(**{f"{prefix}band__in": rule.eligible_bands})
    if rule.eligible_professions:
        query &= Q(**{f"{prefix}profession__in": rule.eligible_professions})
    if rule.eligible_grades:
        query &= Q(**{f"{prefix}grade__in": rule.eligible_grades})
    departments = _department_ids(rule)
    if departments:
        query &= Q(**{f"{prefix}department_id__in": sorted(departments)})
    return query


def _either(items: list[str]) -> str:
    """'Band 7, Band 8a or Band 8b'."""
    if len(items) < 2:
        return "".join(items)
    return _("%(items)s or %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def grade_words(rule: EligibilityRule) -> str:
    """The doctors' grades a rule admits, e.g. 'Foundation year 1 (FY1) or Foundation year 2
    (FY2)'; empty when it names none."""
    grades = dict(Grade.choices)
    return _either([str(grades.get(g, g)) for g in rule.eligible_grades])


def eligibility_words(rule: EligibilityRule) -> str:
    """Who the rule admits, e.g. 'Band 7 or Band 8a; Nurse'. Needs departments prefetched."""
    if rule.eligible_everyone:
        return _("Everyone")
    bands, professions = dict(Band.choices), dict(Profession.choices)
    parts = [
        _either([str(bands.get(b, b)) for b in rule.eligible_bands]),
        _either([str(professions.get(p, p)) for p in rule.eligible_professions]),
        grade_words(rule),
        _either([d.name for d in rule.eligible_departments.all()]),
    ]
    return "; ".join(part for part in parts if part) or _("Nobody yet")
