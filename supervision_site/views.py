from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import metrics, readiness


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not (liveness, for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@login_not_required
@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when every check passes, 503 naming those that fail (public, no
    personal data; supervision_site/readiness.py)."""
    results = readiness.run_checks()
    failing = [name for name, result in results.items() if not result.ok]
    return JsonResponse(
        {
            "status": "not ready" if failing else "ready",
            "failing": failing,
            "checks": {
                name: {"ok": result.ok, "detail": result.detail} for name, result in results.items()
            },
        },
        status=503 if failing else 200,
    )


def _is_operator(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and constant_time_compare(presented.strip(), token):
        return True
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.is_superuser)


@login_not_required
@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, for operators only: a bearer METRICS_TOKEN or a superuser.

    Anyone else gets a 404: the page does not say it exists.
    """
    if not _is_operator(request):
        raise Http404
    return HttpResponse(
        metrics.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8"
    )
