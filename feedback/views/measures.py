"""The wellbeing measure: answering it (one's own), setting it up (admins), its change (leads)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

import disclosure
from kernel.forms import add_service_error, posted
from kernel.models import Role
from kernel.permissions import has_role, login_required_view, role_required

from ..aggregates_measures import change_summaries
from ..measure_forms import MeasureAnswerForm, MeasureSetupForm
from ..models.measures import HIGHEST, LOWEST, SWEMWBS_COPYRIGHT
from ..permissions_measures import (
    get_measure_for_participant,
    get_programme_measure_for_admin,
    measures_for_lead,
    own_measure_responses,
    responses_for_aggregate,
)
from ..services import measures as services


@login_required_view
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, programme_pk: int) -> HttpResponse:
    """Answer the programme's measure when it is due; your own scores so far."""
    measure, joined = get_measure_for_participant(request.user, programme_pk)
    responses = list(own_measure_responses(request.user, measure))
    due = services.due_for(measure, joined, responses)
    form = None
    if due.open(timezone.now()):
        form = MeasureAnswerForm(posted(request), statements=measure.statements)
        if request.method == "POST" and form.is_valid():
            try:
                services.measure_answer(
                    actor=request.user, measure=measure, joined=joined, answers=form.answers()
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request, _("Thank you. Your answers are saved, and only you can see them.")
                )
                return redirect("feedback:wellbeing")
    return render(
        request,
        "feedback/measures/answer.html",
        {
            "measure": measure,
            "programme": measure.programme,
            "form": form,
            "due": due,
            "responses": responses,
            "lowest": LOWEST,
            "highest": HIGHEST,
            "copyright": SWEMWBS_COPYRIGHT,
            "minimum": disclosure.MINIMUM_PEOPLE,
        },
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest, programme_pk: int) -> HttpResponse:
    """Attach the wellbeing measure to a programme, or change it."""
    programme, measure = get_programme_measure_for_admin(request.user, programme_pk)
    initial = {"interval_months": 3, "is_active": "yes"}
    if measure is not None:
        initial = {
            "licence": measure.licence,
            "interval_months": measure.interval_months,
            "is_active": "yes" if measure.is_active else "no",
            **{f"statement_{n}": text for n, text in enumerate(measure.statements, start=1)},
        }
    form = MeasureSetupForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.measure_save(
                actor=request.user,
                programme=programme,
                statements=form.statements(),
                interval_months=data["interval_months"],
                licence=data["licence"],
                is_active=data["is_active"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The wellbeing measure is saved."))
            return redirect("supervision:manage_programmes")
    return render(
        request,
        "feedback/measures/setup.html",
        {"programme": programme, "measure": measure, "form": form, "copyright": SWEMWBS_COPYRIGHT},
    )


@login_required_view
@require_http_methods(["GET"])
def impact(request: HttpRequest) -> HttpResponse:
    """The change in each programme's measure since joining, as protected aggregates."""
    if not (
        has_role(request.user, Role.WELLBEING_LEAD) or has_role(request.user, Role.PROGRAMME_ADMIN)
    ):
        raise PermissionDenied
    measures = list(measures_for_lead(request.user))
    summaries = change_summaries(measures, responses_for_aggregate(measures), now=timezone.now())
    return render(
        request,
        "feedback/measures/impact.html",
        {
            "summaries": summaries,
            "minimum": disclosure.MINIMUM_PEOPLE,
            "rounding_note": disclosure.ROUNDING_NOTE,
            "lowest": LOWEST,
            "highest": HIGHEST,
            "copyright": SWEMWBS_COPYRIGHT,
        },
    )
