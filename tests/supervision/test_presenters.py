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


# The supervisor directory's card as templates/supervision/supervisors/list.html wrote
# it before supervisor_cards made it in Python.
CARD_TEMPLATE = """{% load i18n nhsuk links %}{% for supervisor in supervisors %}
    {% id_url 'supervision:supervisor' supervisor.pk as supervisor_url %}
    {% card heading=supervisor.user.get_full_name href=supervisor_url heading_size="s" %}
      <p>{{ supervisor.user.profile.job_title }}{% if supervisor.user.profile.department %}, {{ supervisor.user.profile.department.name }}{% endif %}</p>
      <p>{{ supervisor.programme_names }}</p>
      <p>{{ supervisor.get_mode_display }}{% if supervisor.mode == "online" and supervisor.meeting_link %} ({{ supervisor.platform }}){% endif %}.
        {% if supervisor.accepting_new and supervisor.current < supervisor.capacity %}{% tag text=_("Has space") colour="green" %}{% else %}{% tag text=_("Full") colour="grey" %}{% endif %}
        {% if not supervisor.offers_times %}{% tag text=_("No times offered yet") colour="white" %}{% endif %}
      </p>
      {% if supervisor.training_names %}<p class="nhsuk-body-s">{% trans "Trained in:" %} {{ supervisor.training_names }}</p>{% endif %}
    {% endcard %}
{% endfor %}"""  # noqa: E501 - the template's lines as they were


def _supervisor(pk, *, first="Helen", department="Ward <4>", mode="online", link="", **values):
    from kernel.models import Department, StaffProfile
    from supervision.models import SupervisorProfile

    user = User(pk=pk, first_name=first, last_name="Marsh & Co", email=f"s{pk}@west.example")
    StaffProfile(
        user=user,
        job_title="Senior <nurse>",
        department=Department(pk=3, name=department) if department else None,
    )
    supervisor = SupervisorProfile(
        pk=pk, user=user, mode=mode, meeting_link=link, capacity=values.pop("capacity", 6)
    )
    supervisor.accepting_new = values.pop("accepting_new", True)
    for name, value in {
        "current": 2,
        "offers_times": True,
        "programme_names": "Restorative supervision; A&E <team>",
        "training_names": "PNA, Restorative supervision",
        **values,
    }.items():
        setattr(supervisor, name, value)
    return supervisor


def test_supervisor_cards_write_what_the_card_template_wrote():
    import re

    from django.template import Context, Template
    from django.utils.translation import override

    from supervision.presenters import supervisor_cards

    supervisors = [
        _supervisor(1, link="https://teams.microsoft.com/l/meetup-join/x"),
        _supervisor(2, link="", department=None, training_names=""),
        _supervisor(3, mode="in_person", current=6, offers_times=False),
        _supervisor(4, accepting_new=False, first="<Ann>", link="https://zoom.us/j/1"),
        _supervisor(5, mode="in_person", capacity=0, offers_times=False, programme_names=""),
    ]

    def tags_apart(html):  # the same markup, whatever the whitespace between tags
        return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()

    with override("en-gb"):
        written = Template(CARD_TEMPLATE).render(Context({"supervisors": supervisors}))
        cards = supervisor_cards(supervisors)
    expected = re.findall(r'<div class="nhsuk-card.*?\n</div>', written, re.S)
    assert len(cards) == len(expected) == 5
    for card, before in zip(cards, expected, strict=True):
        assert isinstance(card, SafeString)
        assert tags_apart(card) == tags_apart(before)
    assert "Has space" in cards[0]
    assert "Full" in cards[3]
    assert "No times offered yet" in cards[2]
    assert "&lt;Ann&gt; Marsh &amp; Co" in cards[3]
    assert "Online (Microsoft Teams)." in cards[0]
    assert "Online (Zoom)." in cards[3]
    assert "In person." in cards[2]
