"""Wellbeing check-ins: your own trend, and checking in. Nobody sees anyone else's."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from kernel.forms import posted
from kernel.permissions import get_own_profile, login_required_view

from ..charts import feelings_chart
from ..permissions_measures import measures_for_participant, own_measure_responses
from ..permissions_wellbeing import own_checkins
from ..services.measures import due_for
from ..services.wellbeing import wellbeing_checkin_create
from ..wellbeing_forms import FEELING_WORDS, YES, CheckInForm

TREND_DAYS = 365
_CONFIRMED = "feedback_wellbeing_confirmed"


@login_required_view
def my_wellbeing(request: HttpRequest) -> HttpResponse:
    since = timezone.now() - datetime.timedelta(days=TREND_DAYS)
    checkins = list(
        own_checkins(request.user)
        .filter(created_at__gte=since)
        .only("created_at", "feeling", "support_request_id")
        .order_by("created_at")
    )
    points = [(checkin.created_at, checkin.feeling) for checkin in checkins]
    rows = [
        {"checkin": checkin, "words": FEELING_WORDS[checkin.feeling]}
        for checkin in reversed(checkins)
    ]
    # Shown once after checking in; the id is only ever looked up among one's own.
    confirmed_pk = request.session.pop(_CONFIRMED, None)
    confirmed = next((c for c in checkins if c.pk == confirmed_pk), None)
    return render(
        request,
        "feedback/wellbeing/mine.html",
        {
            "measures": _my_measures(request.user),
            "chart": feelings_chart(points, FEELING_WORDS),
            "rows": rows,
            "confirmed": confirmed,
            "is_staff_member": get_own_profile(request.user) is not None,
        },
    )


def _my_measures(user) -> list[dict]:
    """Each programme's wellbeing questions asked of the user: due now, or when next."""
    mine = measures_for_participant(user)
    if not mine:
        return []
    responses: dict[int, list] = {}
    for response in own_measure_responses(user):
        responses.setdefault(response.measure_id, []).append(response)
    now = timezone.now()
    rows = []
    for measure, joined in mine:
        due = due_for(measure, joined, responses.get(measure.pk, []))
        answered = responses.get(measure.pk, [])
        rows.append(
            {
                "measure": measure,
                "due": due,
                "open": due.open(now),
                "last": answered[-1] if answered else None,
            }
        )
    return rows


@login_required_view
@require_http_methods(["GET", "POST"])
def checkin_add(request: HttpRequest) -> HttpResponse:
    if get_own_profile(request.user) is None:
        raise PermissionDenied
    form = CheckInForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        wants = data["wants_peer_support"] == YES
        try:
            checkin = wellbeing_checkin_create(
                actor=request.user,
                feeling=data["feeling"],
                comment=data["comment"],
                wants_peer_support=wants,
                consent=data["consent"],
                contact_mode=data["contact_mode"] if wants else "",
                contact_detail=data["contact_detail"] if wants else "",
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            request.session[_CONFIRMED] = checkin.pk
            return redirect("feedback:wellbeing")
    return render(request, "feedback/wellbeing/checkin.html", {"form": form})


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
