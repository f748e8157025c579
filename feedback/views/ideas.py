"""Quality-improvement ideas: seen by the author's department and programme admins."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kernel.forms import add_service_error, posted
from kernel.permissions import get_own_profile, login_required_view

from ..permissions_wellbeing import get_idea_for_user, idea_rights, ideas_visible_to
from ..services import ideas as idea_services
from ..wellbeing_forms import IdeaEditForm, IdeaFilterForm, IdeaForm


@login_required_view
def idea_list(request: HttpRequest) -> HttpResponse:
    filter_form = IdeaFilterForm(request.GET or None)
    ideas = ideas_visible_to(request.user).select_related("author", "department", "words_edited_by")
    if filter_form.is_valid() and filter_form.cleaned_data["status"]:
        ideas = ideas.filter(status=filter_form.cleaned_data["status"])
    return render(
        request,
        "feedback/ideas/list.html",
        {
            "ideas": ideas,
            "filter_form": filter_form,
            "can_add": get_own_profile(request.user) is not None,
        },
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def idea_add(request: HttpRequest) -> HttpResponse:
    if get_own_profile(request.user) is None:
        raise PermissionDenied
    # From a session record the box is ticked; which session is never kept.
    form = IdeaForm(
        posted(request), initial={"from_supervision": request.GET.get("from") == "supervision"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            idea = idea_services.idea_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your idea has been logged."))
            return redirect("feedback:idea", pk=idea.pk)
    return render(request, "feedback/ideas/form.html", {"form": form})


@login_required_view
def idea_detail(request: HttpRequest, pk: int) -> HttpResponse:
    idea = get_idea_for_user(request.user, pk)
    return render(
        request,
        "feedback/ideas/detail.html",
        {"idea": idea, "can_change": idea_rights(request.user, idea).change},
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def idea_edit(request: HttpRequest, pk: int) -> HttpResponse:
    idea = get_idea_for_user(request.user, pk, write=True)
    form = IdeaEditForm(posted(request), instance=idea, rights=idea_rights(request.user, idea))
    if request.method == "POST" and form.is_valid():
        try:
            # Every field the form has is passed; the service decides what may change.
            idea_services.idea_update(actor=request.user, idea=idea, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("feedback:idea", pk=idea.pk)
    return render(request, "feedback/ideas/form.html", {"form": form, "idea": idea})
