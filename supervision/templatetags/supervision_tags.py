"""Small display helpers: session times in the organisation's zone, allowances in words."""

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kernel.dates import format_times, format_when

from .. import presenters

register = template.Library()


@register.simple_tag(takes_context=True)
def session_rows(context, sessions):
    """{% session_rows sessions as rows %}: the session table's rows for the person
    looking (supervision.presenters), for `{% table rows=rows %}`."""
    return presenters.session_rows(sessions, viewer=context["user"], now=timezone.now())


@register.filter
def when(session):
    """A session's time in its organisation's zone, with the zone named."""
    return format_when(session.starts_at, session.ends_at, session.programme.organisation.time_zone)


@register.filter
def times_until(starts_at, ends_at):
    """'14:00 to 15:00 GMT' in the current zone ('01:30 BST to 01:30 GMT' across a change)."""
    return format_times(starts_at, ends_at, timezone.get_current_timezone_name())


@register.filter
def allowance_words(allowance):
    """'2 of 2 sessions left until 31 March 2027', '1 of 2 left in the last 12 months'."""
    if allowance is None:
        return ""
    if not allowance.limited:
        return _("No limit on sessions")
    if allowance.period.end_date:
        return _("%(left)s of %(total)s sessions left until %(end)s") % {
            "left": allowance.left,
            "total": allowance.total,
            "end": formats.date_format(allowance.period.end_date, "j F Y"),
        }
    return _("%(left)s of %(total)s sessions left in the last %(months)s months") % {
        "left": allowance.left,
        "total": allowance.total,
        "months": allowance.rolling_months,
    }


@register.simple_tag
def slot_when(slot, programme):
    """A free slot's time in the programme's organisation's zone."""
    return format_when(slot.starts_at, slot.ends_at, programme.organisation.time_zone)


@register.filter
def function_labels(record):
    from kernel.models import SupervisionFunction

    return [SupervisionFunction(value).label for value in record.functions]


@register.filter
def late_rule(programme):
    """The programme's late-cancellation rule in one sentence, said before anyone books."""
    if programme.allowance_sessions is None:
        text = _("Please cancel at least %(hours)s hours before a session.")
    elif programme.late_cancellation_counts:
        text = _(
            "Cancelling less than %(hours)s hours before a session counts as a late "
            "cancellation and uses up one of your sessions."
        )
    else:
        text = _(
            "Please cancel at least %(hours)s hours before a session; a late cancellation "
            "does not use up one of your sessions."
        )
    return text % {"hours": programme.late_cancellation_hours}


@register.filter
def staff_status(person) -> dict:
    """A person's account as a tag shows it on their page (supervision.presenters)."""
    return presenters.staff_status(person)


@register.filter
def status_words(session):
    """A session's status as people need it now (Session.status_words)."""
    return session.status_words(timezone.now())
