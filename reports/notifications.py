"""The monthly email to wellbeing leads, registered with the outbox.

It carries the report's headline figures for the last 12 complete months, each
against the 12 before, exactly as the report shows them (through the
disclosure-control module), and links to the one-page summary. When changes are
still being counted into the roll-ups, it says so, as the report does. Scheduled by
supervision.notifications.schedule_wellbeing_digests.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kernel.models import Organisation
from notifications import registry

from .caption import backlog_words
from .headline import period_words
from .report import board_scope, cached_engagement_report


def _wellbeing_digest(notification):
    organisation = Organisation.objects.filter(pk=notification.target_id).first()
    if organisation is None:
        return None
    scope = board_scope(organisation)
    report, backlog = cached_engagement_report(scope)
    return registry.Message(
        subject=str(_("Your monthly supervision engagement report")),
        template="wellbeing_digest",
        context={
            "organisation": organisation,
            "time_zone": organisation.time_zone,
            "headlines": report.headlines,
            "period": period_words(scope.first_month, scope.last_month),
            # as the report says it: changes still being counted when the email was made
            "backlog": backlog_words(scope, backlog),
        },
        organisation_name=organisation.name,
        url=f"{reverse('reports:summary')}?organisation={organisation.pk}",
    )


KINDS = [
    registry.Kind(
        "wellbeing_digest", _("Monthly engagement report (wellbeing leads)"), _wellbeing_digest
    ),
]


def register_kinds() -> None:
    for kind in KINDS:
        registry.register(kind)
