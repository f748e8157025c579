"""Programme admins set up programmes, grant extra sessions and keep the themes list."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from kernel.models import (
    DEFAULT_THEMES,
    Band,
    Grade,
    Modality,
    PeriodKind,
    Profession,
    Programme,
    Theme,
)
from supervision.allowances import allowance
from supervision.models import AllowanceExtra
from tests.factories import DepartmentFactory, ProgrammeFactory, StaffProfileFactory

pytestmark = pytest.mark.django_db

PNA_MESSAGE = "Band 5 and 6 staff reach supervision through the PNA programme."


def _programme_form(**overrides):
    """Seed 002 as an admin types it into the form (give `alternative` a programme's pk)."""
    data = {
        "name": "Band 7-8 one-to-one supervision",
        "description": "Two one-hour sessions on MS Teams.",
        "modality": Modality.ONE_TO_ONE,
        "eligible_everyone": "no",
        "eligible_bands": [Band.BAND_7, Band.BAND_8A, Band.BAND_8B],
        "not_eligible_message": PNA_MESSAGE,
        "alternative": "",
        "allowance_sessions": "2",
        "session_minutes": "60",
        "period_kind": PeriodKind.FIXED,
        "period_start": "2026-04-01",
        "period_end": "2027-03-31",
        "rolling_months": "12",
        "late_cancellation_hours": "24",
        "late_cancellation_counts": "yes",
        "did_not_attend_counts": "yes",
        "allow_booking_without_agreement": "no",
        "is_active": "yes",
    }
    data.update(overrides)
    return data


def _edit_form(programme, **overrides):
    """The edit form as the page fills it in for `programme`, with `overrides` typed over it."""
    yes_no = {True: "yes", False: "no"}
    data = {
        "name": programme.name,
        "description": programme.description,
        "modality": programme.modality,
        "eligible_everyone": yes_no[programme.eligible_everyone],
        "eligible_bands": programme.eligible_bands,
        "eligible_professions": programme.eligible_professions,
        "eligible_grades": programme.eligible_grades,
        "eligible_departments": [d.pk for d in programme.eligible_departments.all()],
        "not_eligible_message": programme.not_eligible_message,
        "alternative": programme.alternative_id or "",
        "allowance_sessions": programme.allowance_sessions or "",
        "session_minutes": programme.session_minutes,
        "period_kind": programme.period_kind,
        "period_start": programme.period_start or "",
        "period_end": programme.period_end or "",
        "rolling_months": programme.rolling_months,
        "late_cancellation_hours": programme.late_cancellation_hours,
        "late_cancellation_counts": yes_no[programme.late_cancellation_counts],
        "late_moves_allowed": yes_no[not programme.late_moves_refused],
        "did_not_attend_counts": yes_no[programme.did_not_attend_counts],
        "allow_booking_without_agreement": yes_no[programme.allow_booking_without_agreement],
        "is_active": yes_no[programme.is_active],
    }
    data.update(overrides)
    return data


# --- Who may reach the pages ------------------------------------------------------

ROLES = (
    "anonymous",
    "supervisee",
    "supervisor",
    "facilitator",
    "peer_supporter",
    "wellbeing_lead",
    "programme_admin",
    "outsider",
)
# (url name, method, needs an object, status for programme_admin, status for outsider)
URLS = [
    ("supervision:manage_programmes", "get", None, 200, 200),
    ("supervision:manage_programme_add", "get", None, 200, 200),
    ("supervision:manage_programme_edit", "get", "programme", 200, 404),
    ("supervision:manage_programme_extra", "get", "programme", 200, 404),
    ("supervision:manage_themes", "get", None, 200, 200),
    ("supervision:manage_theme_toggle", "post", "theme", 302, 404),
]


@pytest.mark.parametrize(("name", "method", "target", "admin_status", "outsider_status"), URLS)
def test_only_admins_of_the_organisation_reach_the_programme_pages(
    client, role_users, programme, themes, name, method, target, admin_status, outsider_status
):
    kwargs = {"pk": {"programme": programme, "theme": themes[0]}[target].pk} if target else {}
    url = reverse(name, kwargs=kwargs)
    expected: dict[str, int | str] = dict.fromkeys(ROLES, 403)
    expected.update(anonymous="login", programme_admin=admin_status, outsider=outsider_status)
    got = {}
    for role in ROLES:
        client.logout()
        if role_users[role] is not None:
            client.force_login(role_users[role])
        response = getattr(client, method)(url)
        outcome = response.status_code
        if outcome == 302 and response["Location"].startswith(reverse("account_login")):
            outcome = "login"
        got[role] = outcome
    assert got == expected


def test_wrong_programme_or_theme_number_is_not_found(client, programme_admin):
    client.force_login(programme_admin)
    assert (
        client.get(reverse("supervision:manage_programme_edit", args=[999999])).status_code == 404
    )
    assert (
        client.get(reverse("supervision:manage_programme_extra", args=[999999])).status_code == 404
    )
    assert client.post(reverse("supervision:manage_theme_toggle", args=[999999])).status_code == 404


def test_outsider_cannot_change_or_grant_in_another_organisations_programme(
    client, outsider, programme, band7
):
    client.force_login(outsider)
    edit = client.post(
        reverse("supervision:manage_programme_edit", args=[programme.pk]),
        _edit_form(programme, allowance_sessions="9"),
    )
    extra = client.post(
        reverse("supervision:manage_programme_extra", args=[programme.pk]),
        {"person": band7.profile.pk, "sessions": "5", "reason": "Because"},
    )
    assert (edit.status_code, extra.status_code) == (404, 404)
    programme.refresh_from_db()
    assert programme.allowance_sessions == 2
    assert not AllowanceExtra.objects.exists()
    # Nothing changed; only the two refused attempts are in the audit trail.
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["access.not_found"] * 2


# --- Programmes ---------------------------------------------------------------------


def test_admin_sets_up_the_seed_002_programme_in_the_form(
    client, programme_admin, organisation, pna_programme
):
    client.force_login(programme_admin)
    url = reverse("supervision:manage_programme_add")
    page = client.get(url).content.decode()
    for legend in ("About the programme", "Who is eligible", "Allowance", "Booking"):
        assert legend in page
    assert f'<option value="{pna_programme.pk}">{pna_programme.name}</option>' in page

    response = client.post(url, _programme_form(alternative=pna_programme.pk))

    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:manage_programmes")
    programme = Programme.objects.get(name="Band 7-8 one-to-one supervision")
    assert programme.organisation == organisation
    assert programme.eligible_everyone is False
    assert programme.eligible_bands == ["7", "8a", "8b"]
    assert programme.eligible_professions == []
    assert list(programme.eligible_departments.all()) == []
    assert programme.not_eligible_message == PNA_MESSAGE
    assert programme.alternative == pna_programme
    assert (programme.allowance_sessions, programme.session_minutes) == (2, 60)
    assert programme.period_kind == PeriodKind.FIXED
    assert programme.period_start == datetime.date(2026, 4, 1)
    assert programme.period_end == datetime.date(2027, 3, 31)
    assert programme.late_cancellation_counts is True
    assert programme.late_moves_refused is False  # not asked in the form: moves stay allowed
    assert programme.did_not_attend_counts is True
    assert programme.allow_booking_without_agreement is False
    assert programme.is_active is True
    entry = AuditEntry.objects.get(action="programme.created")
    assert (entry.actor, entry.target_id) == (programme_admin, str(programme.pk))
    assert entry.organisation_id == organisation.pk


def test_programme_for_chosen_professions_and_departments_on_a_rolling_period(
    client, programme_admin, organisation
):
    ward = DepartmentFactory(organisation=organisation, name="Ward 9")
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:manage_programme_add"),
        _programme_form(
            name="Midwives on Ward 9",
            eligible_bands=[],
            eligible_professions=[Profession.MIDWIFE],
            eligible_departments=[ward.pk],
            period_kind=PeriodKind.ROLLING,
            rolling_months="6",
            allowance_sessions="",
        ),
    )
    assert response.status_code == 302
    programme = Programme.objects.get(name="Midwives on Ward 9")
    assert programme.eligible_professions == [Profession.MIDWIFE]
    assert list(programme.eligible_departments.all()) == [ward]
    assert programme.allowance_sessions is None  # no limit
    assert programme.period_kind == PeriodKind.ROLLING
    assert programme.rolling_months == 6
    # A rolling period has no dates, so none are kept from the form.
    assert (programme.period_start, programme.period_end) == (None, None)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"period_end": ""}, "Enter the date a fixed period ends"),
        ({"period_end": "2026-03-31"}, "The date the period ends must be after the date it starts"),
        ({"period_end": "2026-04-01"}, "The date the period ends must be after the date it starts"),
        (
            {"eligible_bands": []},
            "Select at least one band, profession, grade or department, or open the programme",
        ),
        (
            {"session_minutes": "10"},
            "The length of a session in minutes must be between 15 and 480",
        ),
        (
            {"session_minutes": "481"},
            "The length of a session in minutes must be between 15 and 480",
        ),
        ({"period_end": "2027-02-30"}, "The date the period ends must be a real date"),
        ({"allowance_sessions": "two"}, "The number of sessions per period must be a whole number"),
        ({"eligible_bands": ["12"]}, "Select the bands from the options shown"),
        ({"is_active": ""}, "Select yes if the programme is open for booking"),
        (
            {"period_kind": PeriodKind.ROLLING, "rolling_months": ""},
            "Enter how many months a rolling period lasts",
        ),
        ({"alternative": "999999"}, "Select another programme of this organisation"),
    ],
)
def test_invalid_programme_keeps_what_was_typed_and_summarises_the_problem(
    client, programme_admin, pna_programme, overrides, message
):
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:manage_programme_add"),
        _programme_form(
            **{"alternative": pna_programme.pk, "description": "Kept description", **overrides}
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="nhsuk-error-summary"' in page
    assert message in page
    assert "Kept description</textarea>" in page
    assert 'value="Band 7-8 one-to-one supervision"' in page
    assert Programme.objects.count() == 1  # the PNA programme only
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("supervision:manage_programme_add", "Enter the name of the programme"),
        ("supervision:manage_programme_extra", "Select the person to give extra sessions to"),
        ("supervision:manage_themes", "Enter the name of the theme"),
    ],
)
def test_an_empty_submission_is_explained_not_ignored(
    client, programme_admin, programme, name, message
):
    client.force_login(programme_admin)
    url = reverse(name, args=[programme.pk] if name.endswith("extra") else [])
    response = client.post(url, {})
    assert response.status_code == 200
    assert 'class="nhsuk-error-summary"' in response.content.decode()
    assert message in response.content.decode()


def test_where_to_go_instead_must_be_a_programme_of_the_same_organisation(
    client, programme_admin, pna_programme, other_organisation
):
    elsewhere = ProgrammeFactory(organisation=other_organisation, name="Eastbrook PNA")
    client.force_login(programme_admin)
    page = client.get(reverse("supervision:manage_programme_add")).content.decode()
    assert "Eastbrook PNA" not in page

    response = client.post(
        reverse("supervision:manage_programme_add"), _programme_form(alternative=elsewhere.pk)
    )
    assert response.status_code == 200
    assert "Select another programme of this organisation" in response.content.decode()
    assert not Programme.objects.filter(alternative=elsewhere).exists()


def test_a_programme_cannot_send_people_to_itself(client, programme_admin, programme):
    client.force_login(programme_admin)
    url = reverse("supervision:manage_programme_edit", args=[programme.pk])
    response = client.post(url, _edit_form(programme, alternative=programme.pk))
    assert response.status_code == 200
    assert "Select another programme of this organisation" in response.content.decode()
    programme.refresh_from_db()
    assert programme.alternative != programme


def test_names_are_unique_within_an_organisation(client, programme_admin, pna_programme):
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:manage_programme_add"),
        _programme_form(name=pna_programme.name.upper()),
    )
    assert response.status_code == 200
    assert "There is already a programme with this name" in response.content.decode()


def test_edit_form_shows_the_programme_and_the_audit_names_what_changed(
    client, programme_admin, programme, pna_programme
):
    client.force_login(programme_admin)
    url = reverse("supervision:manage_programme_edit", args=[programme.pk])
    page = client.get(url).content.decode()
    assert f'value="{programme.name}"' in page
    assert 'value="8a" checked' in page
    assert f'<option value="{pna_programme.pk}" selected>' in page
    # A programme is not offered as its own alternative.
    assert f'<option value="{programme.pk}"' not in page

    response = client.post(url, _edit_form(programme, allowance_sessions="3", is_active="no"))

    assert response.status_code == 302
    programme.refresh_from_db()
    assert (programme.allowance_sessions, programme.is_active) == (3, False)
    entry = AuditEntry.objects.get(action="programme.updated")
    assert sorted(entry.details["fields"]) == ["allowance_sessions", "is_active"]


def test_saving_an_unchanged_programme_writes_no_audit_entry(client, programme_admin, programme):
    client.force_login(programme_admin)
    url = reverse("supervision:manage_programme_edit", args=[programme.pk])
    assert client.post(url, _edit_form(programme)).status_code == 302
    assert not AuditEntry.objects.exists()


def test_programme_list_describes_each_programme_in_words(
    client, programme_admin, programme, pna_programme, organisation
):
    ProgrammeFactory(
        organisation=organisation,
        name="Rolling supervision",
        period_kind=PeriodKind.ROLLING,
        period_start=None,
        period_end=None,
        allowance_sessions=4,
        session_minutes=90,
        is_active=False,
    )
    client.force_login(programme_admin)
    page = client.get(reverse("supervision:manage_programmes")).content.decode()
    assert "Band 7, Band 8a or Band 8b" in page
    assert "2 sessions of 60 minutes until 31 March 2027" in page
    assert "4 sessions of 90 minutes per rolling 12 months" in page
    assert "No limit (sessions of 60 minutes)" in page  # the PNA programme
    assert "Closed" in page
    assert "Open" in page


def test_programme_list_shows_only_the_admins_organisation(client, outsider, programme):
    client.force_login(outsider)
    page = client.get(reverse("supervision:manage_programmes")).content.decode()
    assert programme.name not in page


def test_programme_list_runs_the_same_queries_for_many_programmes(
    client, programme_admin, organisation, django_assert_num_queries
):
    ward = DepartmentFactory(organisation=organisation)
    ProgrammeFactory(organisation=organisation, eligible_everyone=False).eligible_departments.add(
        ward
    )
    client.force_login(programme_admin)
    url = reverse("supervision:manage_programmes")
    # session, user with their profile and organisation (layout), the user's
    # roles, the admin's authenticator app (two-factor gate), the programmes with
    # their organisation, their departments (prefetched).
    with django_assert_num_queries(6):
        client.get(url)
    for _ in range(19):
        programme = ProgrammeFactory(organisation=organisation, eligible_everyone=False)
        programme.eligible_departments.add(ward)
    with django_assert_num_queries(6):
        response = client.get(url)
    assert len(response.context["rows"]) == 20


# --- Extra sessions ---------------------------------------------------------------


def _extra_form(user, **overrides):
    data = {"person": user.profile.pk, "sessions": "2", "reason": "Returning from a hard month"}
    data.update(overrides)
    return data


def test_extra_sessions_raise_that_persons_allowance_until_the_period_ends(
    client, programme_admin, programme, band7, frozen_now
):
    assert allowance(programme, band7).total == 2
    client.force_login(programme_admin)
    url = reverse("supervision:manage_programme_extra", args=[programme.pk])
    page = client.get(url).content.decode()
    assert band7.email in page  # offered in the list of people

    response = client.post(url, _extra_form(band7), follow=True)

    assert allowance(programme, band7).total == 4
    extra = AllowanceExtra.objects.get()
    assert (extra.user, extra.sessions, extra.granted_by) == (band7, 2, programme_admin)
    assert extra.valid_from == datetime.date(2026, 11, 23)
    assert extra.valid_until == datetime.date(2027, 3, 31)
    entry = AuditEntry.objects.get(action="allowance.extra_granted")
    # That a reason was given, not its words: they stay, encrypted, on the extra.
    assert entry.details == {"user_id": band7.pk, "sessions": 2, "reason_given": True}
    assert "hard month" not in entry.summary
    assert extra.reason == "Returning from a hard month"
    page = response.content.decode()
    assert "was 2 sessions (2 left) and is now 4 sessions (4 left)" in page
    assert "Returning from a hard month" in page  # the list of extras granted


def test_extra_sessions_in_a_rolling_programme_last_one_rolling_period(
    client, programme_admin, organisation, band7, frozen_now
):
    rolling = ProgrammeFactory(
        organisation=organisation,
        period_kind=PeriodKind.ROLLING,
        period_start=None,
        period_end=None,
        rolling_months=12,
    )
    client.force_login(programme_admin)
    client.post(
        reverse("supervision:manage_programme_extra", args=[rolling.pk]), _extra_form(band7)
    )
    extra = AllowanceExtra.objects.get()
    assert (extra.valid_from, extra.valid_until) == (
        datetime.date(2026, 11, 23),
        datetime.date(2027, 11, 23),
    )
    assert allowance(rolling, band7).total == 4


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reason": ""}, "Enter a reason for the extra sessions"),
        ({"sessions": "6"}, "Select the number of extra sessions from the list"),
        ({"sessions": "0"}, "Select the number of extra sessions from the list"),
        ({"person": ""}, "Select the person to give extra sessions to"),
        ({"person": "not-a-number"}, "Select an active member of staff of this organisation"),
    ],
)
def test_extra_session_form_explains_what_is_missing(
    client, programme_admin, programme, band7, overrides, message
):
    client.force_login(programme_admin)
    response = client.post(
        reverse("supervision:manage_programme_extra", args=[programme.pk]),
        _extra_form(band7, **overrides),
    )
    assert response.status_code == 200
    assert 'class="nhsuk-error-summary"' in response.content.decode()
    assert message in response.content.decode()
    assert not AllowanceExtra.objects.exists()


def test_extra_sessions_only_for_active_staff_of_the_organisation(
    client, programme_admin, programme, band7, other_organisation
):
    stranger = StaffProfileFactory(organisation=other_organisation).user
    band7.is_active = False
    band7.save()
    client.force_login(programme_admin)
    url = reverse("supervision:manage_programme_extra", args=[programme.pk])
    page = client.get(url).content.decode()
    assert band7.email not in page
    assert stranger.email not in page
    assert programme_admin.email in page  # the list is there, without those two
    for person in (band7, stranger):
        response = client.post(url, _extra_form(person))
        assert "Select an active member of staff of this organisation" in response.content.decode()
    assert not AllowanceExtra.objects.exists()


def test_a_programme_without_a_limit_offers_no_extra_sessions(
    client, programme_admin, pna_programme, band7
):
    client.force_login(programme_admin)
    url = reverse("supervision:manage_programme_extra", args=[pna_programme.pk])
    assert "has no limit on sessions" in client.get(url).content.decode()
    assert client.post(url, _extra_form(band7)).status_code == 200
    assert not AllowanceExtra.objects.exists()


# --- Themes -------------------------------------------------------------------------


def test_an_organisation_without_themes_can_start_from_the_suggested_list(
    client, programme_admin, organisation
):
    client.force_login(programme_admin)
    url = reverse("supervision:manage_themes")
    assert "Add the suggested themes" in client.get(url).content.decode()

    response = client.post(url, {"action": "defaults"}, follow=True)

    names = set(Theme.objects.filter(organisation=organisation).values_list("name", flat=True))
    assert names == set(DEFAULT_THEMES)
    assert AuditEntry.objects.filter(action="theme.added").count() == len(DEFAULT_THEMES)
    assert "Add the suggested themes" not in response.content.decode()


def test_admin_adds_a_theme_and_cannot_add_it_twice(client, programme_admin, organisation, themes):
    client.force_login(programme_admin)
    url = reverse("supervision:manage_themes")
    assert client.post(url, {"action": "add", "name": " Moral injury "}).status_code == 302
    theme = Theme.objects.get(organisation=organisation, name="Moral injury")
    assert AuditEntry.objects.get(action="theme.added").target_id == str(theme.pk)

    response = client.post(url, {"action": "add", "name": "moral INJURY"})
    assert response.status_code == 200
    assert "There is already a theme with this name" in response.content.decode()
    assert 'class="nhsuk-error-summary"' in response.content.decode()
    assert Theme.objects.filter(organisation=organisation).count() == 3


def test_retiring_a_theme_keeps_it_and_it_can_be_restored(client, programme_admin, themes):
    workload = themes[0]
    client.force_login(programme_admin)
    url = reverse("supervision:manage_theme_toggle", args=[workload.pk])

    assert client.post(url).status_code == 302
    workload.refresh_from_db()
    assert workload.is_active is False
    assert "Retired" in client.get(reverse("supervision:manage_themes")).content.decode()

    client.post(url)
    workload.refresh_from_db()
    assert workload.is_active is True
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "theme.retired",
        "theme.restored",
    ]


def test_theme_toggle_is_a_post_only(client, programme_admin, themes):
    client.force_login(programme_admin)
    url = reverse("supervision:manage_theme_toggle", args=[themes[0].pk])
    assert client.get(url).status_code == 405
    themes[0].refresh_from_db()
    assert themes[0].is_active is True


def test_themes_page_lists_only_the_admins_organisation(client, outsider, themes):
    client.force_login(outsider)
    page = client.get(reverse("supervision:manage_themes")).content.decode()
    assert "Workload" not in page
    assert "Add the suggested themes" in page


def test_admin_refuses_moves_inside_the_notice_period(client, programme_admin, programme):
    client.force_login(programme_admin)
    url = reverse("supervision:manage_programme_edit", kwargs={"pk": programme.pk})
    assert "inside the notice period?" in client.get(url).content.decode()
    response = client.post(url, _edit_form(programme, late_moves_allowed="no"))
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.late_moves_refused is True
    client.post(url, _edit_form(programme, late_moves_allowed="yes"))
    programme.refresh_from_db()
    assert programme.late_moves_refused is False


def test_admin_limits_a_programme_to_doctors_grades(client, programme_admin, organisation):
    client.force_login(programme_admin)
    form = _programme_form(
        name="Junior doctors' supervision",
        eligible_bands=[],
        eligible_professions=[Profession.DOCTOR],
        eligible_grades=[Grade.FY1, Grade.FY2],
        not_eligible_message="",
    )
    response = client.post(reverse("supervision:manage_programme_add"), form)
    assert response.status_code == 302
    programme = Programme.objects.get(name="Junior doctors' supervision")
    assert programme.eligible_grades == ["fy1", "fy2"]
    edit = reverse("supervision:manage_programme_edit", kwargs={"pk": programme.pk})
    assert client.get(edit).context["form"].initial["eligible_grades"] == ["fy1", "fy2"]
    # A grade that is not on the list is refused.
    response = client.post(edit, _edit_form(programme, eligible_grades=["st9"]))
    assert response.status_code == 200
    programme.refresh_from_db()
    assert programme.eligible_grades == ["fy1", "fy2"]
