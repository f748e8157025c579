"""What produced a report: the words on its page, its print header and its CSV files.

Every output of the report says which organisation, period and filters it is
for, so a figure copied into a board paper never loses what it describes.
"""

from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kernel.models import Band, Profession
from supervision import reporting as supervision_reporting

from .headline import period_words
from .scope import ReportScope


def filter_items(scope: ReportScope) -> list[tuple[str, str]]:
    """(name, value) of each filter in use, in the form's order."""
    items = []
    names = supervision_reporting.filter_names(scope)
    if "department" in names:
        items.append((_("Department"), names["department"]))
    if scope.band:
        items.append((_("Band"), str(dict(Band.choices).get(scope.band, scope.band))))
    if scope.profession:
        label = dict(Profession.choices).get(scope.profession, scope.profession)
        items.append((_("Profession"), str(label)))
    if "programme" in names:
        items.append((_("Programme"), names["programme"]))
    return items


def organisation_name(scope: ReportScope) -> str:
    return supervision_reporting.organisation_name(scope)


def generated(scope: ReportScope) -> str:
    """Now, in the organisation's zone: when this output was made."""
    return formats.date_format(timezone.localtime(timezone=scope.zone), "j F Y H:i")


def backlog_words(scope: ReportScope, backlog) -> str:
    """What a report's figures do not include yet (reports.services.Backlog), or "":
    from the oldest change still being counted, in the organisation's zone."""
    if backlog is None:
        return ""
    since = timezone.localtime(backlog.since, timezone=scope.zone)
    today = timezone.localdate(timezone=scope.zone)
    time = formats.date_format(since, "H:i" if since.date() == today else "j F Y H:i")
    # No count of the people waiting: it is a figure about people, and what it would
    # tell a reader (someone's supervision changed a moment ago) is not theirs to know.
    return _(
        "Figures include changes up to %(time)s; changes made since are still being counted."
    ) % {"time": time}


def filters_words(items: list[tuple[str, str]]) -> str:
    if not items:
        return _("All staff and programmes (no filters)")
    return "; ".join(f"{name}: {value}" for name, value in items)


def caption(scope: ReportScope, items: list[tuple[str, str]] | None = None) -> str:
    """One line: organisation, period and filters."""
    items = filter_items(scope) if items is None else items
    return _("%(organisation)s, %(period)s. %(filters)s.") % {
        "organisation": organisation_name(scope),
        "period": period_words(scope.first_month, scope.last_month),
        "filters": filters_words(items),
    }


def file_name(scope: ReportScope, slug: str, items: list[tuple[str, str]] | None = None) -> str:
    """A CSV file name that says what is in it, e.g. activity_2025-12-to-2026-11_band-5.csv."""
    items = filter_items(scope) if items is None else items
    parts = [slug, f"{scope.first_month:%Y-%m}-to-{scope.last_month:%Y-%m}"]
    parts += [slugify(f"{name} {value}")[:40] for name, value in items]
    return "_".join(part for part in parts if part) + ".csv"
