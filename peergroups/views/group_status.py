"""Where a group stands: closing it, the closed groups, and past meetings still to complete.

Every object is fetched through peergroups.permissions: out of scope 404,
in scope but not allowed 403.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kernel.forms import add_service_error, posted
from kernel.permissions import login_required_view

from .. import presenters
from ..group_forms import CloseGroupForm
from ..notifications_groups import meeting_when
from ..permissions import get_group_for_user, groups_visible_to, meetings_to_complete
from ..services.closing import group_close
from ..services.groups import GroupRefused


@login_required_view
@require_http_methods(["GET", "POST"])
def group_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_group_for_user(request.user, pk, edit=True)
    if not group.is_active:
        messages.error(request, _("This group has already closed."))
        return redirect(group.get_absolute_url())
    form = CloseGroupForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            group_close(actor=request.user, group=group, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_error(form, error)
        except GroupRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("The group is closed. Its future meetings are cancelled and everyone is told."),
            )
            return redirect(group.get_absolute_url())
    return render(request, "peergroups/groups/close.html", {"group": group, "form": form})


@login_required_view
def groups_closed(request: HttpRequest) -> HttpResponse:
    """Closed groups the user may still open (their history): facilitated, belonged to,
    or administered."""
    groups = (
        groups_visible_to(request.user)
        .closed()
        .select_related("organisation")
        .order_by("-closed_at", "name")
    )
    return render(request, "peergroups/groups/closed.html", {"groups": groups})


@login_required_view
def meetings_to_complete_view(request: HttpRequest) -> HttpResponse:
    """Every past meeting the facilitator runs that still needs its register or record."""
    meetings = list(
        meetings_to_complete(request.user, timezone.now()).select_related("group__organisation")
    )
    for meeting in meetings:
        meeting.when_text = meeting_when(meeting)
    return render(
        request,
        "peergroups/groups/to_complete.html",
        {"meetings": meetings, "rows": presenters.to_complete_rows(meetings, show_group=True)},
    )
