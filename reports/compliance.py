"""Per-person compliance: who had supervision in the period, and who is due or overdue.

What a programme admin sees of each eligible person: counts and dates, never
what was said. The status against a standard comes from
`supervision.standards`, for a page (or, filtered by status, for everyone) in a
constant number of queries; the page's rows are then fetched by id.
"""

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import ngettext

from kernel.models import Programme
from peergroups import reporting as group_reporting
from supervision import reporting as supervision_reporting
from supervision.allowances import left_annotation
from supervision.standards import NO_STANDARD, booked_not_held, standings

from .forms import ComplianceFilterForm
from .scope import ReportScope

PAGE_SIZE = 50


@dataclass
class Compliance:
    scope: ReportScope
    people: QuerySet[Any]  # StaffProfile, annotated, in name order
    programme: Programme | None  # the programme filtered by
    shows_allowance: bool


def compliance_people(form: ComplianceFilterForm) -> Compliance:
    """Eligible people with how many sessions and meetings they had, booked and left."""
    scope = form.scope()
    programmes = [
        p for p in supervision_reporting.programmes(scope) if p.modality in ("one_to_one", "group")
    ]
    programme = form.cleaned_data.get("programme")
    sessions, last_session = supervision_reporting.attended_per_person(scope)
    meetings, last_meeting = group_reporting.present_per_person(scope)
    annotations = {
        "sessions": sessions,
        "meetings": meetings,
        "last_session": last_session,
        "last_meeting": last_meeting,
        "booked": booked_not_held(programme),
    }
    left = left_annotation(programme) if programme is not None else None
    if left is not None:
        annotations["allowance_left"] = left
    people = (
        supervision_reporting.population(scope)
        .filter(supervision_reporting.eligible_for_any_q(programmes))
        .select_related("user", "department")
        .annotate(**annotations)
        .order_by("user__last_name", "user__first_name", "pk")
    )
    status = form.cleaned_data.get("status")
    had = Q(sessions__gt=0) | Q(meetings__gt=0)
    if status == "with":
        people = people.filter(had)
    elif status == "without":
        people = people.exclude(had)
    return Compliance(scope, people, programme, left is not None)


def _with_standing(people, found) -> list:
    for person in people:
        person.standing = found.get(person.pk, NO_STANDARD)
        dates = [d for d in (person.last_session, person.last_meeting) if d is not None]
        person.last = max(dates) if dates else None
    return people


def compliance_page(form: ComplianceFilterForm, number) -> tuple[Compliance, Page]:
    """One page of people, each with `standing` and `last`."""
    found_all = None
    compliance = compliance_people(form)
    people = compliance.people
    wanted = form.cleaned_data.get("standing")
    if wanted:
        found_all = standings(people, programme=compliance.programme)
        ids = [pk for pk, s in found_all.items() if s.status == wanted]
        people = people.filter(pk__in=ids)
    page = Paginator(people, PAGE_SIZE).get_page(number)
    rows = list(page.object_list)
    found = (
        found_all
        if found_all is not None
        else standings(people.filter(pk__in=[p.pk for p in rows]), programme=compliance.programme)
    )
    page.object_list = _with_standing(rows, found)
    return compliance, page


def compliance_all(form: ComplianceFilterForm) -> tuple[Compliance, list]:
    """Everyone the filters leave in, each with `standing` and `last` (the CSV)."""
    compliance = compliance_people(form)
    found = standings(compliance.people, programme=compliance.programme)
    wanted = form.cleaned_data.get("standing")
    people = compliance.people.iterator(chunk_size=2000)
    rows = _with_standing(list(people), found)
    if wanted:
        rows = [p for p in rows if p.standing.status == wanted]
    return compliance, rows


def nudge_words(result) -> str:
    """What the admin is told after sending reminders: how many went, and why any did not."""
    words = [
        ngettext(
            "Reminder sent to %(count)s person.", "Reminder sent to %(count)s people.", result.sent
        )
        % {"count": result.sent}
    ]
    if result.already:
        words.append(
            ngettext(
                "%(count)s person was skipped: they were already sent a reminder for this "
                "due date.",
                "%(count)s people were skipped: they were already sent a reminder for this "
                "due date.",
                result.already,
            )
            % {"count": result.already}
        )
    if result.not_due:
        words.append(
            ngettext(
                "%(count)s person was skipped: they are not due or overdue for supervision.",
                "%(count)s people were skipped: they are not due or overdue for supervision.",
                result.not_due,
            )
            % {"count": result.not_due}
        )
    return " ".join(words)
