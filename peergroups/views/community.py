"""The learning community (seed 001): peer supporters of several organisations together.

Everything is fetched through peergroups/permissions/community.py: a person who
neither supports nor coordinates peer support in a member organisation gets 404.
Moderators (the community's coordinators) remove threads and replies; what they
remove shows as "Removed by a moderator".
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from kernel.forms import posted
from kernel.permissions import login_required_view

from ..community_forms import HideForm, ReplyForm, ThreadForm
from ..permissions.community import (
    can_moderate,
    get_community_for_user,
    get_reply_for_moderator,
    get_thread_for_moderator,
    get_thread_for_user,
    thread_replies,
    threads_of,
)
from ..services import community as services


@login_required_view
@require_safe
def community_detail(request: HttpRequest, pk: int) -> HttpResponse:
    community = get_community_for_user(request.user, pk)
    return render(
        request,
        "peergroups/community/detail.html",
        {
            "community": community,
            "organisations": community.organisations.order_by("name"),
            "coordinators": community.coordinators.order_by("last_name", "first_name", "pk"),
            "shared": community.shared_resources.select_related("organisation").order_by(
                "category", "title", "pk"
            ),
            "can_moderate": can_moderate(request.user, community),
        },
    )


@login_required_view
@require_safe
def thread_list(request: HttpRequest, pk: int) -> HttpResponse:
    community = get_community_for_user(request.user, pk)
    return render(
        request,
        "peergroups/community/threads.html",
        {"community": community, "threads": list(threads_of(community))},
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def thread_add(request: HttpRequest, pk: int) -> HttpResponse:
    community = get_community_for_user(request.user, pk)
    form = ThreadForm(posted(request))
    if request.method == "POST" and form.is_valid():
        thread = services.thread_create(
            actor=request.user, community=community, **form.cleaned_data
        )
        messages.success(request, _("Your question has been posted."))
        return redirect(thread)
    return render(
        request, "peergroups/community/thread_form.html", {"community": community, "form": form}
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def thread_detail(request: HttpRequest, pk: int) -> HttpResponse:
    thread = get_thread_for_user(request.user, pk)
    form = ReplyForm(posted(request))
    if request.method == "POST" and not thread.hidden and form.is_valid():
        services.reply_create(actor=request.user, thread=thread, body=form.cleaned_data["body"])
        messages.success(request, _("Your reply has been posted."))
        return redirect(thread)
    return render(
        request,
        "peergroups/community/thread.html",
        {
            "thread": thread,
            "community": thread.community,
            "replies": list(thread_replies(thread)),
            "form": form,
            "can_moderate": can_moderate(request.user, thread.community),
        },
    )


def _hide(request: HttpRequest, item, thread) -> HttpResponse:
    """The one way a moderator removes a thread or a reply: a reason, then removed."""
    form = HideForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.hide(actor=request.user, item=item, reason=form.cleaned_data["reason"])
        messages.success(request, _("It has been removed. Members now see Removed by a moderator."))
        return redirect(thread)
    return render(
        request,
        "peergroups/community/hide.html",
        {"form": form, "item": item, "thread": thread, "community": thread.community},
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def thread_hide(request: HttpRequest, pk: int) -> HttpResponse:
    thread = get_thread_for_moderator(request.user, pk)
    return _hide(request, thread, thread)


@login_required_view
@require_http_methods(["GET", "POST"])
def reply_hide(request: HttpRequest, pk: int) -> HttpResponse:
    reply = get_reply_for_moderator(request.user, pk)
    return _hide(request, reply, reply.thread)
