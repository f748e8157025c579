"""What the supervision app tells operators: how many one-to-one sessions, by status.

Site-wide counts for /metrics (supervision_site); no row leaves this module.
"""

from django.db.models import Count

from .models import Session


def session_counts() -> dict[str, int]:
    """{status: sessions} for every status, zeros included."""
    counts = dict.fromkeys(Session.Status.values, 0)
    counts.update(
        Session.objects.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return counts
