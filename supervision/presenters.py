"""What the lists of sessions and of people show of each: models turned into rows.

The session history, sessions to log and an agreement's sessions show the same
four columns (supervision/sessions/table.html); the people directory a row a
member of staff (supervision/people/list.html). The rows are made here, in
Python, and the table writes them (`{% table rows=... %}`, kernel/components):
the same markup as a {% for %} of {% table_row %} tags, at a fraction of its cost.
"""

from html import escape

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kernel.components.base import component_html, component_writer, rendered
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


NOTHING = "\u2013"  # an en dash: an empty cell of the people directory


# A person's account, as (words, tag colour): deactivated, invited (no password set
# yet) or active.
_STATUSES = {
    "deactivated": (gettext_noop("Deactivated"), "grey"),
    "invited": (gettext_noop("Invited"), "yellow"),
    "active": (gettext_noop("Active"), "green"),
}


def _status_of(person) -> str:
    if not person.user.is_active:
        return "deactivated"
    if not person.has_accepted_invitation:
        return "invited"
    return "active"


def staff_status(person) -> dict:
    """A person's account as a tag shows it in the people directory and on their
    page: deactivated, invited (no password set yet) or active."""
    words, colour = _STATUSES[_status_of(person)]
    return {"text": _(words), "colour": colour}


def people_rows(people, *, several_organisations: bool) -> list[list]:
    """Each member of staff (a StaffProfile with `roles` in words, and the names of
    its department and organisation as kernel.permissions.with_directory_columns
    reads them) as the directory's row: name (linked to their page) and email,
    staff number, organisation (where the admin has several), department, band,
    roles and their account's status. A status's tag and a band's words are made
    once a page, not once a row."""
    tags: dict[str, str] = {}
    bands: dict[str, str] = {}
    rows = []
    for person in people:
        user = person.user
        status = _status_of(person)
        tag = tags.get(status)
        if tag is None:
            tag = tags[status] = component_html("tag", **staff_status(person))
        band = bands.get(person.band)
        if band is None:
            band = bands[person.band] = person.get_band_display()
        rows.append(
            [
                # format_html's markup, its arguments escaped without its check of
                # each for a lazy string (50 rows a page).
                rendered(
                    f'<a href="{escape(id_url("supervision:person", person.pk))}">'
                    f"{escape(user.get_full_name() or user.email)}</a><br>"
                    f'<span class="nhsuk-body-s">{escape(user.email)}</span>'
                ),
                person.employee_number or NOTHING,
                *([person.organisation_name] if several_organisations else []),
                person.department_name or NOTHING,
                band,
                person.roles or NOTHING,
                tag,
            ]
        )
    return rows


def supervisor_cards(supervisors) -> list[SafeString]:
    """Each supervisor of a page of the directory (from supervisor_directory_page, with
    with_directory_names) as its card: their name linked to their page; job and
    department; programmes; how they meet, whether they have space and times to
    offer; their training. The markup {% card %} with these lines in its block
    writes, made here: the template's lookups were most of the page's cost."""
    tags: dict[tuple[str, str], str] = {}

    def tag(text: str, colour: str) -> str:
        found = tags.get((text, colour))
        if found is None:
            found = tags[text, colour] = component_html("tag", text=text, colour=colour)
        return found

    # What is the same on every card, made once a page: the card's markup around its
    # heading, link and content, the words, and each way of meeting's name.
    card = component_writer("card", heading_size="s")
    has_space, full = tag(_("Has space"), "green"), tag(_("Full"), "grey")
    no_times = f"\n        {tag(_('No times offered yet'), 'white')}"
    trained_in = escape(_("Trained in:"))
    modes: dict[str, str] = {}
    cards = []
    for supervisor in supervisors:
        user = supervisor.user
        profile = user.profile
        where = escape(str(profile.job_title))
        if profile.department:
            where += f", {escape(profile.department.name)}"
        how = modes.get(supervisor.mode)
        if how is None:
            how = modes[supervisor.mode] = escape(str(supervisor.get_mode_display()))
        if supervisor.mode == "online" and supervisor.meeting_link:
            how += f" ({escape(supervisor.platform)})"
        space = (
            has_space
            if supervisor.accepting_new and supervisor.current < supervisor.capacity
            else full
        )
        meets = f"<p>{how}.\n        {space}"
        if not supervisor.offers_times:
            meets += no_times
        lines = [
            f"<p>{where}</p>",
            f"<p>{escape(supervisor.programme_names)}</p>",
            f"{meets}\n      </p>",
        ]
        if supervisor.training_names:
            lines.append(
                f'<p class="nhsuk-body-s">{trained_in} {escape(supervisor.training_names)}</p>'
            )
        cards.append(
            card(
                heading=user.get_full_name(),
                href=id_url("supervision:supervisor", supervisor.pk),
                content=rendered("\n      ".join(lines)),
            )
        )
    return cards
