"""The slot picker shared by first bookings, agreement bookings and rescheduling."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kernel.dates import format_when
from kernel.forms import posted

from ..allowances import allowance, may_start_then, refusal_message
from ..availability import free_slots, parse_slot_key
from ..forms import SlotChoiceForm
from ..models.supervisors import meeting_platform
from ..services.sessions import BookingRefused, booking_held, slot_gone_message


def describe_slot(programme):
    zone = programme.organisation.time_zone

    def describe(slot):
        if slot.mode == "online":
            where = _("online (%(platform)s)") % {"platform": meeting_platform(slot.meeting_link)}
        else:
            where = _("in person at %(place)s") % {"place": slot.location}
        return f"{format_when(slot.starts_at, slot.ends_at, zone)}, {where}"

    return describe


def already_booked(request, *, supervisor, supervisee):
    """For a booking POST of a time the person already holds: a redirect to it.

    The same booking sent from several tabs (or twice) answers every one with
    the booking's page and "You have already booked this session", not a
    refusal after the booking went through. None for anything else.
    """
    if request.method != "POST":
        return None
    starts_at = parse_slot_key(request.POST.get("slot", ""))
    if starts_at is None:
        return None
    session = booking_held(supervisor=supervisor, supervisee=supervisee, starts_at=starts_at)
    if session is None:
        return None
    messages.info(request, _("You have already booked this session."))
    return redirect("supervision:session", pk=session.pk)


def pick_slot(request, *, programme, supervisor, supervisee, context, book, ignore_session=None):
    """Show the free slots; on POST call `book(starts_at, reason)` and go to the session page.

    A reason is asked for when moving a session (`ignore_session` is that session).

    Only times the booking would accept are offered: free, and within the
    supervisee's allowance as it stands (with none left, the page says so before
    any time). `book` raises BookingRefused with a message the person can act on;
    the page then shows it in an error summary with a fresh list of times and
    allowance, so whoever loses a race for a time sees it gone.
    """
    moving = ignore_session is not None

    def held():
        if moving:
            return None
        return already_booked(request, supervisor=supervisor, supervisee=supervisee)

    if (response := held()) is not None:
        return response

    def offer():
        current = allowance(programme, supervisee, exclude_session=ignore_session)
        slots = free_slots(
            supervisor=supervisor,
            programme=programme,
            supervisee=supervisee,
            ignore_session=ignore_session,
        )
        return [slot for slot in slots if may_start_then(current, slot.starts_at)], current

    def slot_form(slots):
        return SlotChoiceForm(
            posted(request), slots=slots, describe=describe_slot(programme), ask_reason=moving
        )

    slots, current = offer()
    form = slot_form(slots)
    gone = ""
    if request.method == "POST" and form.is_valid():
        try:
            session = book(form.chosen().starts_at, form.cleaned_data.get("reason", ""))
        except BookingRefused as refused:
            # Refused because the same booking from another tab won the race?
            if (response := held()) is not None:
                return response
            slots, current = offer()  # afresh: the time may have been taken meanwhile
            form = slot_form(slots)
            if form.is_valid():
                form.add_error(None, str(refused))
            else:
                gone = str(refused)
        else:
            messages.success(request, context["success_message"])
            return redirect("supervision:session", pk=session.pk)
    elif form.has_error("slot", "invalid_choice"):
        starts_at = parse_slot_key(request.POST.get("slot", ""))
        if starts_at is not None:
            gone = slot_gone_message(
                programme=programme,
                supervisor=supervisor,
                supervisee=supervisee,
                starts_at=starts_at,
                moving=ignore_session,
            )
    if gone:
        # On the times themselves: the one chosen is no longer among them.
        form.errors["slot"] = form.error_class([gone])
    return render(
        request,
        "supervision/booking/pick_slot.html",
        {
            **context,
            "form": form,
            "slots": slots,
            "programme": programme,
            # What is left is the supervisee's to know; moving a session uses none.
            "allowance": None if moving else current,
            "used_up": refusal_message(programme, current)
            if current.exhausted and not moving
            else "",
        },
    )
