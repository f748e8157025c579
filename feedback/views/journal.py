"""The reflective journal: its author's alone.

Every entry is fetched through `permissions_journal`, which answers 404 for any
entry not the user's own, whoever asks (programme admin, lead, superuser).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from kernel.forms import posted
from kernel.permissions import login_required_view

from ..journal_forms import JournalEntryForm, describe_session
from ..journal_templates import (
    chosen_code_themes,
    is_template,
    labelled_sections,
    nmc_account,
)
from ..models import JournalTemplate
from ..permissions_journal import (
    entries_for_export,
    get_entry_for_user,
    journal_entries_of,
    linkable_sessions,
    parse_entry_ids,
)
from ..revalidation_pdf import reflective_accounts_pdf
from ..services import journal as journal_services


def _submitted_ids(request: HttpRequest) -> list[int] | None:
    """Entry ids from the query string or the form; None when none were sent at all."""
    values = request.GET.getlist("ids") + request.POST.getlist("ids")
    if not values:
        return None
    return parse_entry_ids(values)


def _author_name(user) -> str:
    return user.get_full_name() or user.get_username()


@login_required_view
@never_cache
@require_GET
def entry_list(request: HttpRequest) -> HttpResponse:
    entries = journal_entries_of(request.user).only(
        "pk", "title", "template", "occurred_on", "created_at"
    )
    return render(
        request,
        "feedback/journal/list.html",
        {"entries": entries, "templates": JournalTemplate.choices},
    )


@login_required_view
@never_cache
@require_http_methods(["GET", "POST"])
def entry_add(request: HttpRequest, template: str) -> HttpResponse:
    if not is_template(template):
        raise Http404
    sessions = linkable_sessions(request.user)
    form = JournalEntryForm(posted(request), template=template, sessions=sessions)
    if request.method == "POST" and form.is_valid():
        try:
            entry = journal_services.journal_entry_create(
                author=request.user, template=template, **form.service_kwargs()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your reflection is saved. Only you can read it."))
            return redirect("feedback:journal_entry", pk=entry.pk)
    return render(
        request,
        "feedback/journal/form.html",
        {"form": form, "template_label": JournalTemplate(template).label, "entry": None},
    )


@login_required_view
@never_cache
@require_GET
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for_user(request.user, pk)
    session = None
    if entry.session_id is not None:
        session = (
            linkable_sessions(request.user, keeping=entry.session_id)
            .filter(pk=entry.session_id)
            .first()
        )
    return render(
        request,
        "feedback/journal/detail.html",
        {
            "entry": entry,
            "sections": labelled_sections(entry),
            "code_themes": chosen_code_themes(entry),
            "session_description": describe_session(session) if session else "",
        },
    )


@login_required_view
@never_cache
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for_user(request.user, pk)
    form = JournalEntryForm(
        posted(request),
        template=entry.template,
        sessions=linkable_sessions(request.user, keeping=entry.session_id),
        initial=JournalEntryForm.initial_for(entry),
    )
    if request.method == "POST" and form.is_valid():
        try:
            journal_services.journal_entry_update(
                actor=request.user, entry=entry, **form.service_kwargs()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("feedback:journal_entry", pk=entry.pk)
    return render(
        request,
        "feedback/journal/form.html",
        {"form": form, "template_label": entry.get_template_display(), "entry": entry},
    )


@login_required_view
@require_POST
def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_entry_for_user(request.user, pk)
    journal_services.journal_entry_delete(actor=request.user, entry=entry)
    messages.success(request, _("The entry has been deleted."))
    return redirect("feedback:journal")


def _chosen_entries(request: HttpRequest, ids: list[int]) -> list:
    """The user's own entries among `ids`; 404 when none are (as if they did not exist)."""
    entries = list(entries_for_export(request.user, ids))
    if not entries:
        raise Http404
    return journal_services.journal_entries_export(actor=request.user, entries=entries)


@login_required_view
@never_cache
@require_http_methods(["GET", "POST"])
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    ids = _submitted_ids(request)
    if ids is None:
        if request.method == "POST":
            messages.error(request, _("Choose at least one entry to export."))
        return render(
            request,
            "feedback/journal/export_choose.html",
            {
                "entries": journal_entries_of(request.user).only(
                    "pk", "title", "template", "occurred_on", "created_at"
                )
            },
        )
    entries = _chosen_entries(request, ids)
    return render(
        request,
        "feedback/journal/export_print.html",
        {
            "author_name": _author_name(request.user),
            "nmc_pin": request.user.nmc_pin,
            "accounts": [{"entry": e, "questions": nmc_account(e)} for e in entries],
            "ids": [e.pk for e in entries],
        },
    )


@login_required_view
@never_cache
@require_http_methods(["GET", "POST"])
def export_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:
    ids = _submitted_ids(request)
    if ids is None:
        messages.error(request, _("Choose at least one entry to export."))
        return redirect("feedback:journal_export")
    entries = _chosen_entries(request, ids)
    pdf = reflective_accounts_pdf(
        author_name=_author_name(request.user), nmc_pin=request.user.nmc_pin, entries=entries
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="reflective-accounts.pdf"'
    response["Cache-Control"] = "no-store"
    return response
