"""What the session lists show of each session: a model turned into a table's rows.

The session history, sessions to log and an agreement's sessions show the same
four columns (supervision/sessions/table.html). The rows are made here, in
Python, and the table writes them (`{% table rows=... %}`, kernel/components):
the same markup as a {% for %} of {% table_row %} tags, at a fraction of its cost.
"""

from django.utils.html import format_html
from django.utils.translation import gettext as _

from kernel.dates import format_when
from kernel.links import id_url

from .models import Session

HELD = (Session.Status.ATTENDED, Session.Status.DID_NOT_ATTEND)


def session_rows(sessions, *, viewer, now) -> list[list]:
    """Each session as a row: when (in its organisation's zone, linked to the
    session), with whom (the other person to `viewer`), the programme, and its
    status in words."""
    return [
        [
            format_html(
                '<a href="{}">{}</a>',
                id_url("supervision:session", session.pk),
                format_when(
                    session.starts_at, session.ends_at, session.programme.organisation.time_zone
                ),
            ),
            session.other_person(viewer).get_full_name(),
            session.programme.name,
            session_status(session, now),
        ]
        for session in sessions
    ]


def session_status(session: Session, now) -> str:
    """ "Cancelled (late)", "Attended, not yet confirmed": the status as people need
    it now, whether a cancellation came late, and whether the supervisee has
    confirmed the record of a session that was held (or missed)."""
    words = session.status_words(now)
    if session.late_cancellation:
        words = f"{words} ({_('late')})"
    if session.status in HELD:
        record = getattr(session, "record", None)  # none yet: not logged
        confirmed = record is not None and record.supervisee_confirmed_at is not None
        words = f"{words}, {_('confirmed') if confirmed else _('not yet confirmed')}"
    return words
