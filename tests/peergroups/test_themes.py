"""Seed 004: themes a group's facilitators agree and release to the organisation,
and what the wellbeing lead and programme admins then read, differencing included."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import disclosure
from audit.models import AuditEntry
from kernel.models import Role, Theme
from notifications.models import Notification
from peergroups.models import Attendance, ThemeStatement
from peergroups.permissions import released_themes_for
from peergroups.services import themes as services
from peergroups.theme_report import themes_by_period
from tests.outbox import deliver_due
from tests.peergroups.test_groups import make_group, person

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
AFTER_THE_QUARTER = datetime.datetime(2027, 4, 20, 9, tzinfo=UTC)


def present(meeting, how_many):
    """Mark `how_many` people present at a meeting (members of the group, as far as the
    themes page is concerned: it counts the register)."""
    organisation = meeting.group.organisation
    for _ in range(how_many):
        Attendance.objects.create(session=meeting, user=person(organisation), status="present")


@pytest.fixture
def pair_group(
    frozen_now, programme_admin, organisation, group_programme, facilitator, co_facilitator
):
    return make_group(
        programme_admin,
        organisation,
        group_programme,
        [facilitator, co_facilitator],
        name="Kestrel ward reflective group",
        capacity=8,
    )


@pytest.fixture
def meeting(pair_group):
    """The group's first meeting (Tuesday 8 December 2026), with 6 people present."""
    first = pair_group.sessions.earliest("starts_at")
    present(first, 6)
    return first


@pytest.fixture
def workload(organisation):
    return Theme.objects.create(organisation=organisation, name="Workload")


@pytest.fixture
def after_meeting(meeting):
    """The morning after the first meeting (the group is set up on 23 November)."""
    with time_machine.travel(datetime.datetime(2026, 12, 9, 9, tzinfo=UTC), tick=False):
        yield


# --- Agreeing and releasing ----------------------------------------------------------


def test_one_facilitator_drafts_and_only_the_other_can_release(
    after_meeting, meeting, workload, facilitator, co_facilitator
):
    draft = services.theme_draft(
        actor=facilitator, meeting=meeting, theme=workload, text="Breaks get skipped"
    )
    assert draft.state == ThemeStatement.State.DRAFT
    with pytest.raises(services.ThemeRefused, match="co-facilitator needs to agree"):
        services.theme_release(actor=facilitator, statement=draft)
    assert ThemeStatement.objects.get(pk=draft.pk).state == ThemeStatement.State.DRAFT

    released = services.theme_release(actor=co_facilitator, statement=draft)
    assert released.state == ThemeStatement.State.RELEASED
    assert released.released_by == co_facilitator
    with pytest.raises(services.ThemeRefused, match="no longer waiting"):
        services.theme_release(actor=co_facilitator, statement=draft)
    actions = list(
        AuditEntry.objects.filter(target_id=str(draft.pk), action__startswith="group.theme")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["group.theme_drafted", "group.theme_released"]
    assert not AuditEntry.objects.filter(summary__contains="Breaks get skipped").exists()


def test_the_co_facilitator_is_asked_once_and_the_writer_told_once_by_email_and_in_app(
    after_meeting, meeting, workload, facilitator, co_facilitator
):
    draft = services.theme_draft(
        actor=facilitator, meeting=meeting, theme=workload, text="Breaks get skipped"
    )
    deliver_due()
    services.theme_release(actor=co_facilitator, statement=draft)
    deliver_due()
    deliver_due()  # a second run sends nothing again
    asked = Notification.objects.filter(kind="group_theme_to_agree")
    told = Notification.objects.filter(kind="group_theme_released")
    assert [n.recipient for n in asked] == [co_facilitator]
    assert [n.recipient for n in told] == [facilitator]
    about = [m for m in mail.outbox if "theme" in m.subject]
    assert sorted(m.to[0] for m in about) == sorted([co_facilitator.email, facilitator.email])
    for message in about:
        assert "Breaks get skipped" not in message.body  # read in the app, behind sign-in


def test_a_single_facilitator_confirms_their_own_theme(
    frozen_now, programme_admin, organisation, group_programme, facilitator, workload
):
    group = make_group(programme_admin, organisation, group_programme, [facilitator])
    first = group.sessions.earliest("starts_at")
    with time_machine.travel(first.ends_at, tick=False):
        draft = services.theme_draft(
            actor=facilitator, meeting=first, theme=workload, text="Rotas change late"
        )
        assert services.release_refusal(user=facilitator, statement=draft) == ""
        services.theme_release(actor=facilitator, statement=draft)
    assert ThemeStatement.objects.get(pk=draft.pk).state == ThemeStatement.State.RELEASED
    assert not Notification.objects.filter(kind__startswith="group_theme").exists()


def test_whoever_changes_a_draft_becomes_its_writer(
    after_meeting, meeting, workload, facilitator, co_facilitator
):
    draft = services.theme_draft(
        actor=facilitator, meeting=meeting, theme=workload, text="Breaks get skipped"
    )
    services.theme_change(
        actor=co_facilitator, statement=draft, theme=workload, text="Breaks are hard to take"
    )
    with pytest.raises(services.ThemeRefused):
        services.theme_release(actor=co_facilitator, statement=draft)
    services.theme_release(actor=facilitator, statement=draft)
    with pytest.raises(services.ThemeRefused, match="waiting to be agreed"):
        services.theme_change(actor=facilitator, statement=draft, theme=workload, text="Other")
    assert ThemeStatement.objects.get(pk=draft.pk).statement == "Breaks are hard to take"


def test_themes_wait_for_the_meeting_and_use_the_organisations_own_list(
    frozen_now, meeting, workload, facilitator, other_organisation
):
    with pytest.raises(ValidationError):  # 23 November: the meeting is on 8 December
        services.theme_draft(actor=facilitator, meeting=meeting, theme=workload, text="x")
    elsewhere = Theme.objects.create(organisation=other_organisation, name="Workload")
    with time_machine.travel(meeting.ends_at, tick=False):
        with pytest.raises(ValidationError) as error:
            services.theme_draft(actor=facilitator, meeting=meeting, theme=elsewhere, text="x")
        assert "theme" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.theme_draft(actor=facilitator, meeting=meeting, theme=workload, text="   ")
        assert "statement" in error.value.message_dict


def test_only_facilitators_release_or_withdraw(
    after_meeting, meeting, workload, facilitator, co_facilitator, programme_admin
):
    draft = services.theme_draft(
        actor=facilitator, meeting=meeting, theme=workload, text="Breaks get skipped"
    )
    with pytest.raises(services.ThemeRefused):
        services.theme_release(actor=programme_admin, statement=draft)
    with pytest.raises(services.ThemeRefused):
        services.theme_withdraw(actor=programme_admin, statement=draft)
    services.theme_release(actor=co_facilitator, statement=draft)
    services.theme_withdraw(actor=facilitator, statement=draft)
    assert ThemeStatement.objects.get(pk=draft.pk).state == ThemeStatement.State.WITHDRAWN


# --- The pages ------------------------------------------------------------------------


def test_facilitators_draft_and_release_through_the_pages(
    client, after_meeting, meeting, workload, facilitator, co_facilitator
):
    url = reverse("peergroups:meeting_themes", kwargs={"pk": meeting.pk})
    client.force_login(facilitator)
    page = client.get(url).content.decode()
    assert "Do not name or describe people" in page
    refused = client.post(url, {"theme": workload.pk, "statement": ""})
    assert refused.status_code == 200
    assert "Enter the statement" in refused.content.decode()
    assert (
        client.post(url, {"theme": workload.pk, "statement": "Breaks get skipped"}).status_code
        == 302
    )
    draft = ThemeStatement.objects.get()
    release = reverse("peergroups:theme_release", kwargs={"pk": draft.pk})
    # The writer sees what the organisation will see, and no button to release it.
    mine = client.get(release).content.decode()
    assert "Your co-facilitator needs to agree" in mine
    assert "Agree and release</button>" not in mine
    client.post(release)
    assert ThemeStatement.objects.get().state == ThemeStatement.State.DRAFT

    client.force_login(co_facilitator)
    theirs = client.get(release).content.decode()
    assert "Kestrel ward reflective group" in theirs  # 6 were present: the group is named
    assert client.post(release).status_code == 302
    assert ThemeStatement.objects.get().state == ThemeStatement.State.RELEASED


def test_a_meetings_themes_are_its_facilitators_alone(
    client,
    after_meeting,
    meeting,
    workload,
    facilitator,
    co_facilitator,
    programme_admin,
    wellbeing_lead,
    supervisee,
    outsider,
):
    draft = services.theme_draft(
        actor=facilitator, meeting=meeting, theme=workload, text="Breaks get skipped"
    )
    member = Attendance.objects.filter(session=meeting).select_related("user")[0].user
    urls = [
        reverse("peergroups:meeting_themes", kwargs={"pk": meeting.pk}),
        *(
            reverse(f"peergroups:theme_{name}", kwargs={"pk": draft.pk})
            for name in ("edit", "release", "withdraw")
        ),
    ]
    for url in urls:
        client.force_login(co_facilitator)
        assert client.get(url).status_code == 200, url
        for stranger in (member, wellbeing_lead, supervisee, outsider):
            client.force_login(stranger)
            assert client.get(url).status_code == 404, (url, stranger)
        client.force_login(programme_admin)  # sees the meeting, not its themes
        assert client.get(url).status_code in (403, 404), url


def test_the_themes_page_is_for_the_wellbeing_lead_and_programme_admins(
    client,
    after_meeting,
    meeting,
    workload,
    facilitator,
    co_facilitator,
    wellbeing_lead,
    programme_admin,
    supervisee,
    outsider,
):
    released = services.theme_draft(
        actor=facilitator, meeting=meeting, theme=workload, text="Breaks get skipped"
    )
    services.theme_release(actor=co_facilitator, statement=released)
    services.theme_draft(
        actor=facilitator, meeting=meeting, theme=workload, text="A draft nobody agreed"
    )
    url = reverse("peergroups:themes")
    for reader in (wellbeing_lead, programme_admin):
        client.force_login(reader)
        page = client.get(url).content.decode()
        assert "Breaks get skipped" in page
        assert "A draft nobody agreed" not in page
        assert "October to December 2026" in page
    for refused in (facilitator, supervisee):
        client.force_login(refused)
        assert client.get(url).status_code == 403
    client.force_login(outsider)  # an admin of another trust reads that trust's themes only
    page = client.get(url).content.decode()
    assert "Breaks get skipped" not in page
    assert "No themes have been released yet." in page


def test_the_record_never_reaches_the_organisation(
    client, after_meeting, meeting, workload, facilitator, co_facilitator, wellbeing_lead
):
    from peergroups.services.groups import record_save

    record_save(
        actor=facilitator,
        meeting=meeting,
        functions=[],
        themes=[workload],
        notes="Zebedee spoke about the night of 3 December",
        systemic_issues="Zebedee's manager changes the rota without asking",
    )
    statement = services.theme_draft(
        actor=facilitator, meeting=meeting, theme=workload, text="Rotas change late"
    )
    services.theme_release(actor=co_facilitator, statement=statement)
    client.force_login(wellbeing_lead)
    page = client.get(reverse("peergroups:themes"), {"period": "month"}).content.decode()
    assert "Rotas change late" in page
    assert "Zebedee" not in page
    assert "3 December" not in page  # the month, never the meeting's date
    assert "December 2026" in page


# --- Which group: the disclosure rule, and differencing ---------------------------------


def _group(organisation, group_programme, name, facilitator, weekday):
    return make_group(
        None,
        organisation,
        group_programme,
        [facilitator],
        name=name,
        capacity=8,
        weekday=weekday,
        starts_on=datetime.date(2027, 1, 1),
    )


def _meeting_in(group, month):
    return group.sessions.get(starts_at__year=2027, starts_at__month=month)


def _release(meeting, theme, text):
    facilitator = meeting.group.facilitators.get()
    draft = services.theme_draft(actor=facilitator, meeting=meeting, theme=theme, text=text)
    return services.theme_release(actor=facilitator, statement=draft)


@pytest.fixture
def quarter(frozen_now, organisation, group_programme, workload):
    """Three groups in January to March 2027: Kestrel with 6 at each meeting, Heron with
    3 and Wren with 2. Their themes are released in April."""
    career = Theme.objects.create(organisation=organisation, name="Career")
    kestrel, heron, wren = (
        _group(organisation, group_programme, name, person(organisation, Role.FACILITATOR), day)
        for name, day in (("Kestrel group", 0), ("Heron group", 2), ("Wren group", 3))
    )
    for group, people in ((kestrel, 6), (heron, 3), (wren, 2)):
        for month in (1, 2, 3):
            present(_meeting_in(group, month), people)
    with time_machine.travel(AFTER_THE_QUARTER, tick=False):
        _release(_meeting_in(kestrel, 1), workload, "Handovers run over")
        _release(_meeting_in(heron, 1), workload, "Breaks are skipped")
        _release(_meeting_in(wren, 2), workload, "No time to debrief")
        _release(_meeting_in(kestrel, 2), career, "Few study days")
        _release(_meeting_in(heron, 3), career, "Promotion feels out of reach")
    return {"kestrel": kestrel, "heron": heron, "wren": wren, "career": career}


LINE = re.compile(r'<li>(.*?) <span class="nhsuk-body-s">\((.*?)\)</span></li>', re.S)


def _attributions(page: str) -> dict[str, str]:
    return {statement.strip(): group for statement, group in LINE.findall(page)}


def test_a_group_is_named_only_when_five_people_stand_behind_the_theme(
    client, quarter, wellbeing_lead
):
    client.force_login(wellbeing_lead)
    page = client.get(reverse("peergroups:themes")).content.decode()
    assert _attributions(page) == {
        "Handovers run over": "Kestrel group",
        "Few study days": "Kestrel group",
        "Breaks are skipped": "group not named",
        "No time to debrief": "group not named",
        "Promotion feels out of reach": "group not named",
    }
    assert "Heron group" not in page
    assert "Wren group" not in page


def test_differencing_months_against_the_quarter_singles_out_no_group(
    client, quarter, wellbeing_lead
):
    """The attack: set each month against its quarter (and the quarter against the sum of
    its months) to tie a statement to a group, or to count the people behind it exactly."""
    client.force_login(wellbeing_lead)
    url = reverse("peergroups:themes")
    views = {period: client.get(url, {"period": period}) for period in ("month", "quarter")}
    pages = {period: response.content.decode() for period, response in views.items()}
    # Every statement carries the same attribution in every view: nothing to difference.
    assert _attributions(pages["month"]) == _attributions(pages["quarter"])
    for page in pages.values():
        assert "Heron group" not in page
        assert "Wren group" not in page
    # The people behind a theme are rounded counts: any difference is a multiple of 5.
    shown = {
        period: {
            (found.label, cell.theme): cell.people.value
            for found in response.context["periods"]
            for cell in found.cells
        }
        for period, response in views.items()
    }
    assert all(value % 5 == 0 for counts in shown.values() for value in counts.values())
    for theme in ("Workload", "Career"):
        whole = shown["quarter"][("January to March 2027", theme)]
        months = sum(value for (_, name), value in shown["month"].items() if name == theme)
        assert (whole - months) % 5 == 0
    assert shown["quarter"][("January to March 2027", "Workload")] == 10  # 11 people


def test_one_more_release_changes_its_own_line_only(client, quarter, wellbeing_lead, workload):
    client.force_login(wellbeing_lead)
    url = reverse("peergroups:themes")
    before = _attributions(client.get(url, {"period": "month"}).content.decode())
    with time_machine.travel(AFTER_THE_QUARTER, tick=False):
        _release(_meeting_in(quarter["wren"], 3), workload, "Parking before nights")
    after = _attributions(client.get(url, {"period": "month"}).content.decode())
    assert after == {**before, "Parking before nights": "group not named"}


def test_a_cell_rule_would_have_named_a_small_group_by_differencing(quarter):
    """Why the rule is per statement: had groups been named for a cell of at least two
    groups, the quarter's names less February's would name January's small group."""
    rows = released_themes_for(quarter["kestrel"].organisation)
    by_month: dict[int, set[str]] = {}
    for row in rows:
        if row["theme"] == "Workload":
            by_month.setdefault(row["starts_at"].month, set()).add(row["group"])
    quarter_groups = set().union(*by_month.values())
    assert quarter_groups - by_month[2] == {"Kestrel group", "Heron group"}  # January's
    # The rule in force names neither small group, in any view.
    assert not disclosure.group_named(3)
    assert not disclosure.group_named(2)
    assert disclosure.group_named(6)


def test_quarters_and_months_follow_the_organisations_clock():
    # 23:30 UTC on 31 March 2027 is 00:30 on 1 April in London (BST).
    late = datetime.datetime(2027, 3, 31, 23, 30, tzinfo=UTC)
    rows = [
        {"theme": "Workload", "statement": "b", "starts_at": late, "group": "G", "present": {1}},
        {
            "theme": "workload",
            "statement": "a",
            "starts_at": late - datetime.timedelta(days=1),
            "group": "G",
            "present": {1, 2, 3, 4, 5},
        },
    ]
    quarters = themes_by_period(rows, period="quarter", time_zone="Europe/London")
    assert [p.label for p in quarters] == ["April to June 2027", "January to March 2027"]
    months = themes_by_period(rows, period="month", time_zone="Europe/London")
    assert [p.label for p in months] == ["April 2027", "March 2027"]
    assert [line.group for line in months[1].cells[0].lines] == ["G"]  # 5 present
    assert [line.group for line in months[0].cells[0].lines] == [None]  # 1 present
    with pytest.raises(ValueError, match="period"):
        themes_by_period(rows, period="year", time_zone="Europe/London")


def test_the_themes_page_runs_as_many_queries_with_20_themes_as_with_1(
    client,
    after_meeting,
    meeting,
    workload,
    organisation,
    facilitator,
    co_facilitator,
    wellbeing_lead,
):
    def release(text, theme=workload):
        draft = services.theme_draft(actor=facilitator, meeting=meeting, theme=theme, text=text)
        services.theme_release(actor=co_facilitator, statement=draft)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    url = reverse("peergroups:themes")
    client.force_login(wellbeing_lead)
    release("The first")
    client.get(url)  # settle the session
    # The session and user, the reader's roles, their organisations, the statements
    # with their themes and groups, and the register of those meetings.
    one = queries()
    career = Theme.objects.create(organisation=organisation, name="Career")
    for n in range(19):
        release(f"Another {n}", theme=career if n % 2 else workload)
    assert queries() == one


def test_a_facilitators_own_data_lists_the_themes_they_wrote_as_facts(
    after_meeting, meeting, workload, facilitator
):
    from accounts.data_export import collect

    services.theme_draft(actor=facilitator, meeting=meeting, theme=workload, text="Breaks skipped")
    found = str(collect(facilitator))
    assert "group_themes_you_wrote" in found
    assert "Workload" in found
    assert "Breaks skipped" not in found  # the organisation's text, naming nobody
