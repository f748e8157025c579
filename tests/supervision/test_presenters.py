"""The session tables' rows (supervision.presenters): what each column says of a
session, in the organisation's zone, to the person looking."""

import datetime

from django.utils.safestring import SafeString

from accounts.models import User
from kernel.models import Organisation, Programme
from supervision.models import Session, SessionRecord
from supervision.presenters import people_rows, session_rows, session_status

NOW = datetime.datetime(2026, 12, 6, 12, tzinfo=datetime.UTC)


def _session(status=Session.Status.ATTENDED, *, late=False, confirmed=None, record=True, hours=-2):
    organisation = Organisation(name="Westfield", time_zone="Europe/London")
    session = Session(
        pk=41,
        programme=Programme(name="Restorative supervision", organisation=organisation),
        supervisor=User(pk=1, first_name="Helen", last_name="Marsh"),
        supervisee=User(pk=2, first_name="Amara", last_name="Okafor"),
        starts_at=NOW + datetime.timedelta(hours=hours),
        ends_at=NOW + datetime.timedelta(hours=hours + 1),
        status=status,
        late_cancellation=late,
    )
    if record:
        session.record = SessionRecord(supervisee_confirmed_at=confirmed)
    else:  # as select_related("record") leaves a session that has none
        session._state.fields_cache["record"] = None
    return session


def test_a_held_session_says_whether_its_record_is_confirmed():
    assert session_status(_session(), NOW) == "Attended, not yet confirmed"
    assert session_status(_session(confirmed=NOW), NOW) == "Attended, confirmed"
    missed = _session(Session.Status.DID_NOT_ATTEND, record=False)
    assert session_status(missed, NOW) == "Did not attend, not yet confirmed", "no record yet"


def test_a_late_cancellation_says_so_and_a_booked_session_that_ended_waits_for_its_record():
    late = _session(Session.Status.CANCELLED, late=True, record=False)
    assert session_status(late, NOW) == "Cancelled (late)"
    assert session_status(_session(Session.Status.CANCELLED, record=False), NOW) == "Cancelled"
    assert session_status(_session(Session.Status.BOOKED, hours=3), NOW) == "Booked"
    ended = _session(Session.Status.BOOKED, record=False)
    assert session_status(ended, NOW) == "Waiting for the record"


def test_a_row_links_the_time_in_the_organisations_zone_and_names_the_other_person():
    session = _session(hours=-2)  # 10:00 UTC on 6 December: 10:00 GMT
    supervisor, supervisee = session.supervisor, session.supervisee
    (to_supervisee,) = session_rows([session], viewer=supervisee, now=NOW)
    (to_supervisor,) = session_rows([session], viewer=supervisor, now=NOW)
    link, other, programme, status = to_supervisee
    assert isinstance(link, SafeString)
    assert link.startswith('<a href="/sessions/41/">')
    assert "6 December 2026" in link
    assert "10:00" in link
    assert "GMT" in link
    assert (other, programme, status) == (
        "Helen Marsh",
        "Restorative supervision",
        "Attended, not yet confirmed",
    )
    assert to_supervisor[1] == "Amara Okafor"


def test_a_rows_text_is_escaped_where_the_table_writes_it_not_before():
    session = _session()
    session.supervisor.first_name = "<b>Helen"
    (row,) = session_rows([session], viewer=session.supervisee, now=NOW)
    assert row[1] == "<b>Helen Marsh"
    assert not isinstance(row[1], SafeString)


# --- The people directory -------------------------------------------------------------


def _person(
    *, active=True, invited=False, department="Ward 4", number="E123", first="Amara", band="6"
):
    from kernel.models import Department, StaffProfile

    user = User(first_name=first, last_name="Okafor" if first else "", email="a@west.example")
    user.is_active = active
    if invited:
        user.set_unusable_password()
    else:
        user.set_password("x")
    organisation = Organisation(name="Westfield")
    person = StaffProfile(
        pk=7,
        user=user,
        organisation=organisation,
        department=Department(pk=3, name=department) if department else None,
        employee_number=number,
        band=band,
    )
    person.roles = "Supervisor, Programme admin"  # type: ignore[attr-defined]  # as the view sets it
    # As kernel.permissions.with_directory_columns reads them.
    person.department_name = department or None  # type: ignore[attr-defined]
    person.organisation_name = organisation.name  # type: ignore[attr-defined]
    return person


def test_a_persons_row_links_their_name_and_shows_their_account_as_a_tag():
    (row,) = people_rows([_person()], several_organisations=False)
    name, number, department, band, roles, status = row
    assert name == (
        '<a href="/people/7/">Amara Okafor</a><br><span class="nhsuk-body-s">a@west.example</span>'
    )
    assert (number, department, band, roles) == (
        "E123",
        "Ward 4",
        "Band 6",
        "Supervisor, Programme admin",
    )
    assert status == '<strong class="nhsuk-tag nhsuk-tag--green">Active</strong>'


def test_invited_and_deactivated_people_and_empty_cells():
    invited, gone = people_rows(
        [_person(invited=True, department=None, number="", first=""), _person(active=False)],
        several_organisations=True,
    )
    assert invited[0].startswith('<a href="/people/7/">a@west.example</a>'), "no name: the email"
    assert invited[1:3] == ["\u2013", "Westfield"], "no staff number; the organisation column"
    assert invited[3] == "\u2013", "no department"
    assert invited[-1] == '<strong class="nhsuk-tag nhsuk-tag--yellow">Invited</strong>'
    assert gone[-1] == '<strong class="nhsuk-tag nhsuk-tag--grey">Deactivated</strong>'


def test_each_row_has_its_own_status_band_and_escaped_name():
    # A status's tag and a band's words are made once a page: each row still gets its own.
    rows = people_rows(
        [
            _person(band="5", first="<Bo>"),
            _person(band="6", invited=True),
            _person(band="5", active=False),
            _person(band="8a"),
        ],
        several_organisations=False,
    )
    assert [row[3] for row in rows] == ["Band 5", "Band 6", "Band 5", "Band 8a"]
    assert [row[-1].split("--")[1].split('"')[0] for row in rows] == [
        "green",
        "yellow",
        "grey",
        "green",
    ]
    assert "&lt;Bo&gt; Okafor</a>" in rows[0][0]
