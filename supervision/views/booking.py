"""The slot picker shared by first bookings, agreement bookings and rescheduling."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kernel.dates import format_when
from kernel.forms import posted

from ..availability import free_slots
from ..forms import SlotChoiceForm
from ..models.supervisors import meeting_platform
from ..services.sessions import BookingRefused


def describe_slot(programme):
    zone = programme.organisation.time_zone

    def describe(slot):
        if slot.mode == "online":
            where = _("online (%(platform)s)") % {"platform": meeting_platform(slot.meeting_link)}
        else:
            where = _("in person at %(place)s") % {"place": slot.location}
        return f"{format_when(slot.starts_at, slot.ends_at, zone)}, {where}"

    return describe


def pick_slot(request, *, programme, supervisor, supervisee, context, book, ignore_session=None):
    """Show the free slots; on POST call `book(starts_at, reason)` and go to the session page.

    A reason is asked for when moving a session (`ignore_session` is that session).

    `book` raises BookingRefused with a message the person can act on; the
    page then shows it in an error summary and offers the slots again.
    """
    slots = free_slots(
        supervisor=supervisor,
        programme=programme,
        supervisee=supervisee,
        ignore_session=ignore_session,
    )
    form = SlotChoiceForm(
        posted(request),
        slots=slots,
        describe=describe_slot(programme),
        ask_reason=ignore_session is not None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = book(form.chosen().starts_at, form.cleaned_data.get("reason", ""))
        except BookingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, context["success_message"])
            return redirect("supervision:session", pk=session.pk)
    return render(
        request,
        "supervision/booking/pick_slot.html",
        {**context, "form": form, "slots": slots, "programme": programme},
    )
