"""A person's recent notifications and email choices; failed ones for programme admins."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from kernel.forms import Form
from kernel.models import Role
from kernel.permissions import login_required_view, role_required

from . import registry
from .permissions import failed_notifications_for_admin, notifications_sent_to, preferences_of
from .services import preferences_set

PAGE_SIZE = 25


@login_required_view
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    sent = notifications_sent_to(request.user).order_by("-sent_at", "-pk")
    page = Paginator(sent, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "query": ""})


class PreferencesForm(Form):
    def __init__(self, *args, kinds, chosen, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind.name] = forms.BooleanField(
                label=kind.label,
                required=False,
                initial=chosen.get(kind.name, True),
            )


@login_required_view
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    optional = [kind for kind in registry.all_kinds() if kind.optional]
    always = [kind for kind in registry.all_kinds() if not kind.optional]
    chosen = dict(preferences_of(request.user).values_list("kind", "email"))
    form = PreferencesForm(
        request.POST if request.method == "POST" else None, kinds=optional, chosen=chosen
    )
    if request.method == "POST" and form.is_valid():
        preferences_set(
            user=request.user,
            email={kind.name: form.cleaned_data[kind.name] for kind in optional},
        )
        messages.success(request, _("Your email choices are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "always": always})


FAILED_HELP = gettext_lazy("Notifications that could not be sent after several attempts.")


@role_required(Role.PROGRAMME_ADMIN)
def failed(request: HttpRequest) -> HttpResponse:
    rows = (
        failed_notifications_for_admin(request.user).select_related("recipient").order_by("-due_at")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = {kind.name: kind.label for kind in registry.all_kinds()}
    for row in page.object_list:
        row.kind_label = labels.get(row.kind, row.kind)
    return render(
        request, "notifications/failed.html", {"page": page, "query": "", "help": FAILED_HELP}
    )
