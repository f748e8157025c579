"""Supervision agreements: read, accept, change, end, and book within one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kernel.forms import posted
from kernel.permissions import login_required_view

from ..allowances import allowance
from ..forms import AgreementTermsForm, ReasonForm
from ..models import Agreement
from ..permissions import agreements_visible_to, get_agreement_for_user, sessions_visible_to
from ..services import agreements as agreement_services
from ..services.sessions import session_book
from .booking import pick_slot


@login_required_view
def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = agreements_visible_to(request.user).select_related(
        "programme", "supervisor", "supervisee"
    )
    return render(request, "supervision/agreements/list.html", {"agreements": agreements})


@login_required_view
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for_user(request.user, pk)
    is_supervisee = request.user.pk == agreement.supervisee_id
    return render(
        request,
        "supervision/agreements/detail.html",
        {
            "agreement": agreement,
            "is_supervisor": not is_supervisee,
            "is_supervisee": is_supervisee,
            "accepted_by_me": agreement.accepted_by(request.user),
            # Not agreement.sessions: its manager would set each session's agreement,
            # asking for the agreement_id that tabled() leaves out, a query a row.
            "sessions": sessions_visible_to(request.user)
            .filter(agreement=agreement)
            .tabled()
            .order_by("-starts_at"),
            "allowance": allowance(agreement.programme, agreement.supervisee)
            if agreement.status == Agreement.Status.ACTIVE
            else None,
        },
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for_user(request.user, pk)
    if request.user.pk != agreement.supervisor_id or agreement.ended_at:
        raise PermissionDenied
    initial = {
        field: getattr(agreement, field)
        for field in (
            "ground_rules",
            "frequency",
            "confidentiality_limits",
            "start_date",
            "review_date",
        )
    }
    form = AgreementTermsForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agreement_services.agreement_update_terms(
                actor=request.user, agreement=agreement, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The agreement has been changed. You both need to accept it again.")
            )
            return redirect("supervision:agreement", pk=agreement.pk)
    return render(
        request, "supervision/agreements/edit.html", {"agreement": agreement, "form": form}
    )


@login_required_view
@require_POST
def agreement_accept(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for_user(request.user, pk)
    try:
        agreement = agreement_services.agreement_accept(actor=request.user, agreement=agreement)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if agreement.status == Agreement.Status.ACTIVE:
            messages.success(request, _("You have both accepted the agreement."))
        else:
            messages.success(
                request, _("You have accepted the agreement. It starts once you both have.")
            )
    return redirect("supervision:agreement", pk=agreement.pk)


@login_required_view
@require_http_methods(["GET", "POST"])
def agreement_end(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for_user(request.user, pk)
    if agreement.ended_at:
        messages.error(request, _("This agreement has already ended."))
        return redirect("supervision:agreement", pk=agreement.pk)
    form = ReasonForm(posted(request), doing=_("ending the agreement"))
    if request.method == "POST" and form.is_valid():
        try:
            agreement_services.agreement_end(
                actor=request.user, agreement=agreement, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The agreement has ended. Sessions still to come are cancelled.")
            )
            return redirect("supervision:agreement", pk=agreement.pk)
    return render(
        request, "supervision/agreements/end.html", {"agreement": agreement, "form": form}
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def agreement_book(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_agreement_for_user(request.user, pk)
    if request.user.pk != agreement.supervisee_id:
        raise PermissionDenied
    if agreement.status != Agreement.Status.ACTIVE:
        messages.error(request, _("You can book once you have both accepted the agreement."))
        return redirect("supervision:agreement", pk=agreement.pk)
    return pick_slot(
        request,
        programme=agreement.programme,
        supervisor=agreement.supervisor,
        supervisee=request.user,
        context={
            "title": _("Book supervision with %(name)s")
            % {"name": agreement.supervisor.get_full_name()},
            "back_url": agreement.get_absolute_url(),
            "success_message": _("Your session is booked. A calendar invite is on its way."),
            "button": _("Book this session"),
        },
        book=lambda starts_at, _reason: session_book(
            actor=request.user,
            programme=agreement.programme,
            supervisor=agreement.supervisor,
            agreement=agreement,
            starts_at=starts_at,
        ),
    )
