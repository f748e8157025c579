"""Each organisation's version of its cached reports: bumped to forget them all at once.

Apart from reports.report so that the services that change what a report
shows (a coverage target, the roll-ups worked out again) can bump it without
importing the report, which calls them.
"""

from django.core.cache import cache


def version_key(organisation_id: int) -> str:
    return f"reports:version:{organisation_id}"


def reports_changed(organisation_id: int) -> None:
    """Forget the organisation's cached reports (a target changed, say)."""
    try:
        cache.incr(version_key(organisation_id))
    except ValueError:
        cache.set(version_key(organisation_id), 1, None)
