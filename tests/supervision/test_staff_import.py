"""Issue 18: staff come from ESR. The dry run says exactly what a file would change,
names each bad row and column, and applying it is idempotent, audited and runs the
leavers through the one deactivation path."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.leavers import deactivated_at
from audit.models import AuditEntry
from kernel.models import Band, Department, Profession, StaffProfile
from supervision.models import StaffImport
from supervision.services.staff_import import (
    staff_import_apply,
    staff_import_check,
    staff_import_columns_save,
    staff_import_run,
)
from tests.factories import AgreementFactory, ProgrammeFactory, StaffProfileFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 5, 12, 9, 0, tzinfo=datetime.UTC)
HEADINGS = (
    "Employee Number,Assignment Number,First Name,Last Name,Work Email,Position,Grade,"
    "Staff Group,Organisation,Line Manager's Employee Number,Start Date,End Date"
)


def esr(*rows: str, headings: str = HEADINGS) -> bytes:
    return ("\n".join([headings, *rows]) + "\n").encode()


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def admin_profile(programme_admin):
    profile = programme_admin.profile
    profile.employee_number = "10000001"
    profile.save()
    return profile


@pytest.fixture
def ward7(organisation):
    return Department.objects.create(organisation=organisation, name="Acute Medicine")


def check(admin, organisation, raw: bytes, whole=False) -> StaffImport:
    return staff_import_check(
        actor=admin,
        organisation=organisation,
        file_name="esr.csv",
        raw=raw,
        whole_organisation=whole,
    )


def apply(admin, checked: StaffImport, invite_new=False) -> StaffImport:
    staff_import_apply(actor=admin, staff_import=checked, invite_new=invite_new)
    staff_import_run(staff_import_id=checked.pk)  # the Celery task's body
    checked.refresh_from_db()
    return checked


def problems(checked: StaffImport) -> list[tuple[int, str, str]]:
    return [(p["row"], p["column"], p["message"]) for p in checked.plan["problems"]]


ANNA = "20000001,20000001-1,Anna,Bell,anna.bell@westfield.example,Staff Nurse,Band 5,Nursing and Midwifery Registered,Acute Medicine,10000001,01/04/2024,"  # noqa: E501
BEN = "20000002,20000002-1,Ben,Carr,ben.carr@westfield.example,Midwife,Band 6,Nursing and Midwifery Registered,Maternity,20000001,2025-01-06,"  # noqa: E501


# --- The dry run: each kind of change -------------------------------------------


def test_the_dry_run_lists_new_people_and_changes_nothing(programme_admin, admin_profile, ward7):
    checked = check(programme_admin, admin_profile.organisation, esr(ANNA, BEN))
    counts = checked.plan["counts"]
    assert counts["new"] == 2
    assert counts["problems"] == 0
    assert counts["unchanged"] == 0
    new = {person["number"]: person for person in checked.plan["new"]}
    assert new["20000001"]["name"] == "Anna Bell"
    assert new["20000001"]["band"] == "Band 5"
    assert new["20000002"]["department"] == "Maternity"
    assert checked.plan["new_departments"] == ["Maternity"]
    assert not StaffProfile.objects.filter(employee_number="20000001").exists()
    assert not Department.objects.filter(name="Maternity").exists()


def test_the_dry_run_lists_changed_bands_departments_and_line_managers(
    programme_admin, admin_profile, organisation, ward7
):
    manager = StaffProfileFactory(organisation=organisation, employee_number="30000001")
    anna = StaffProfileFactory(
        organisation=organisation,
        employee_number="20000001",
        band=Band.BAND_5,
        department=Department.objects.create(organisation=organisation, name="Surgical Ward"),
        line_manager=manager,
        user__first_name="Anna",
        user__last_name="Bell",
        job_title="Staff Nurse",
        profession=Profession.NURSE,
        start_date=datetime.date(2024, 4, 1),
    )
    row = ANNA.replace("Band 5", "Band 6")
    checked = check(programme_admin, organisation, esr(row))
    assert checked.plan["counts"]["changed"] == 1
    [change] = checked.plan["changed"]
    assert change["profile"] == anna.pk
    assert change["changes"] == [
        ["Band", "Band 5", "Band 6"],
        ["Department", "Surgical Ward", "Acute Medicine"],
        [
            "Line manager",
            manager.user.get_full_name(),
            f"{admin_profile.user.get_full_name()} (10000001)",
        ],
    ]
    anna.refresh_from_db()
    assert anna.band == Band.BAND_5


def test_someone_added_by_hand_is_matched_by_email_and_gains_the_number(
    programme_admin, admin_profile, organisation, ward7
):
    anna = StaffProfileFactory(
        organisation=organisation,
        user__email="anna.bell@westfield.example",
        user__first_name="Anna",
        user__last_name="Bell",
        band=Band.BAND_5,
        department=ward7,
        job_title="Staff Nurse",
        line_manager=admin_profile,
        start_date=datetime.date(2024, 4, 1),
    )
    checked = check(programme_admin, organisation, esr(ANNA))
    assert checked.plan["counts"]["new"] == 0
    [change] = checked.plan["changed"]
    assert change["profile"] == anna.pk
    assert change["changes"] == [["Staff number", "\u2013", "20000001"]]


def test_a_row_whose_end_date_has_passed_is_a_leaver(programme_admin, admin_profile, organisation):
    anna = StaffProfileFactory(organisation=organisation, employee_number="20000001")
    checked = check(programme_admin, organisation, esr(ANNA[:-1] + ",30/04/2026"))
    [leaver] = checked.plan["leavers"]
    assert (leaver["profile"], leaver["reason"]) == (anna.pk, "End date 30 Apr 2026")
    # Leaving tomorrow: not yet
    tomorrow = check(programme_admin, organisation, esr(ANNA[:-1] + ",13/05/2026"))
    assert tomorrow.plan["leavers"] == []


def test_a_whole_organisation_file_makes_leavers_of_those_it_leaves_out(
    programme_admin, admin_profile, organisation
):
    absent = StaffProfileFactory(organisation=organisation, employee_number="29999999")
    by_hand = StaffProfileFactory(organisation=organisation)  # no number, email not in the file
    gone = StaffProfileFactory(organisation=organisation, user__is_active=False)
    partial = check(programme_admin, organisation, esr(ANNA), whole=False)
    assert partial.plan["leavers"] == []
    whole = check(programme_admin, organisation, esr(ANNA), whole=True)
    assert {leaver["profile"] for leaver in whole.plan["leavers"]} == {absent.pk, by_hand.pk}
    assert gone.pk not in {leaver["profile"] for leaver in whole.plan["leavers"]}
    # The admin applying it is in the file here; were they not, they would be left alone.
    assert admin_profile.pk not in {leaver["profile"] for leaver in whole.plan["leavers"]}


def test_the_admin_left_out_of_a_whole_file_is_not_their_own_leaver(programme_admin, organisation):
    whole = check(programme_admin, organisation, esr(BEN.replace(",20000001,", ",,")), whole=True)
    assert programme_admin.profile.pk not in {p["profile"] for p in whole.plan["leavers"]}
    assert "nobody can deactivate themselves" in whole.plan["notes"][0]


# --- Errors name the row and the column ------------------------------------------


def test_errors_name_the_row_and_the_column(programme_admin, admin_profile, organisation):
    rows = [
        ",,Cara,Dale,cara@westfield.example,,,,,,,",  # row 2: no employee number
        "20000003,,,Dale,dan@westfield.example,,,,,,,",  # row 3: no first name
        "20000004,,Eve,Ford,not-an-email,,,,,,,",  # row 4
        "20000005,,Fay,Gray,fay@westfield.example,,,,,,31/02/2026,",  # row 5
        "20000006,,Gus,Hale,,,,,,,,",  # row 6: new, but no email
        "20000007,,Hal,Ives,hal@westfield.example,,,,,99999999,,",  # row 7
        "20000008,,Ian,Jay,ian@westfield.example,,,,,20000008,,",  # row 8: own manager
    ]
    checked = check(programme_admin, organisation, esr(*rows))
    assert problems(checked) == [
        (2, "Employee Number", "Enter the employee number"),
        (3, "First Name", "Enter the first name"),
        (4, "Work Email", "Enter the work email in the correct format, like name@example.com"),
        (5, "Start Date", "The start date must be a real date, like 31/03/2026"),
        (6, "Work Email", "Enter the work email: a new person needs one to sign in"),
        (
            7,
            "Line Manager's Employee Number",
            "Nobody has employee number 99999999 in this file or at Westfield Hospitals NHS Trust",
        ),
        (8, "Line Manager's Employee Number", "A person cannot be their own line manager."),
    ]
    assert checked.plan["counts"]["new"] == 0
    assert checked.plan["counts"]["rows_with_problems"] == 7


def test_duplicate_employee_numbers_are_errors_on_every_copy(programme_admin, organisation):
    second = ANNA.replace("anna.bell@", "anna.bell2@").replace("20000001-1", "20000001-2")
    checked = check(programme_admin, organisation, esr(ANNA, BEN, second))
    assert problems(checked) == [
        (
            2,
            "Employee Number",
            "Employee number 20000001 is also on row 4: keep one row per person "
            "(their main assignment)",
        ),
        # Ben's line manager's row has errors, so Ben is left out too, saying why.
        (
            3,
            "Line Manager's Employee Number",
            "The line manager\u2019s row (row 2) has errors: fix that row first",
        ),
        (
            4,
            "Employee Number",
            "Employee number 20000001 is also on row 2: keep one row per person "
            "(their main assignment)",
        ),
    ]
    assert checked.plan["counts"]["new"] == 0


def test_an_email_registered_at_another_organisation_is_refused(
    programme_admin, organisation, other_organisation
):
    StaffProfileFactory(organisation=other_organisation, user__email="anna.bell@westfield.example")
    checked = check(programme_admin, organisation, esr(ANNA.replace(",10000001,", ",,")))
    assert problems(checked) == [
        (2, "Work Email", "Someone with this email address is already registered")
    ]


def test_a_current_supervisor_cannot_become_the_line_manager(
    programme_admin, admin_profile, organisation
):
    anna = StaffProfileFactory(organisation=organisation, employee_number="20000001")
    AgreementFactory(
        programme=ProgrammeFactory(organisation=organisation),
        supervisor=programme_admin,
        supervisee=anna.user,
    )
    checked = check(programme_admin, organisation, esr(ANNA))
    [(row, column, message)] = problems(checked)
    assert (row, column) == (2, "Line Manager's Employee Number")
    assert "supervises this person under a current supervision agreement" in message


def test_a_huge_field_is_an_error_on_its_row(programme_admin, organisation):
    huge = ANNA.replace("Staff Nurse", "x" * 200_000)
    checked = check(programme_admin, organisation, esr(BEN.replace(",20000001,", ",,"), huge))
    assert problems(checked) == [(3, "Position", "The position must be 200 characters or fewer")]
    assert checked.plan["counts"]["new"] == 1


# --- Files that cannot be read ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "The selected file is empty"),
        (b"\n\n  \n", "The selected file is empty"),
        (HEADINGS.encode() + b"\n", "The selected file has headings but no rows of staff"),
        (b"PK\x03\x04\x14\x00\x06\x00binary workbook", "is an Excel workbook"),
        (b"\x00\x01\x02\x03 not text \x00", "must be a CSV file"),
        (b"Surname,Forename\nBell,Anna\n", "The file has no column for employee number"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(programme_admin, organisation, raw, expected):
    checked = check(programme_admin, organisation, raw)
    assert expected in checked.plan["file_problem"]
    assert checked.content == ""
    with pytest.raises(Exception, match="nothing to apply"):
        staff_import_apply(actor=programme_admin, staff_import=checked, invite_new=False)


def test_windows_1252_and_utf16_files_are_read(programme_admin, admin_profile, organisation):
    row = ANNA.replace("Anna", "Siân")
    for raw in (esr(row).decode().encode("cp1252"), esr(row).decode().encode("utf-16")):
        checked = check(programme_admin, organisation, raw)
        assert checked.plan["new"][0]["name"] == "Siân Bell"


def test_the_saved_column_mapping_reads_a_differently_named_file(
    programme_admin, admin_profile, organisation
):
    raw = esr(
        "20000001,Anna,Bell,anna.bell@westfield.example,Band 5",
        headings="Staff Ref,Given,Family,Mail,Pay",
    )
    assert "no column" in check(programme_admin, organisation, raw).plan["file_problem"]
    staff_import_columns_save(
        actor=programme_admin,
        organisation=organisation,
        columns={
            "employee_number": "Staff Ref",
            "first_name": "Given",
            "last_name": "Family",
            "email": "Mail",
            "grade": "Pay",
        },
    )
    checked = check(programme_admin, organisation, raw)
    assert checked.plan["counts"]["new"] == 1
    assert AuditEntry.objects.filter(action="staff_import.columns_saved").exists()


# --- Applying ----------------------------------------------------------------------


def test_applying_adds_changes_and_deactivates_and_a_second_run_changes_nothing(
    programme_admin, admin_profile, organisation, ward7
):
    leaver = StaffProfileFactory(organisation=organisation, employee_number="20000009")
    mover = StaffProfileFactory(organisation=organisation, employee_number="20000010")
    rows = [
        ANNA,
        BEN,
        "20000009,,Lee,Moss,lee@westfield.example,,,,,,,01/05/2026",
        "20000010,,Max,Nash,max@westfield.example,Ward Sister,Band 7,,Acute Medicine,10000001,,",
    ]
    checked = apply(programme_admin, check(programme_admin, organisation, esr(*rows)))
    assert checked.status == StaffImport.Status.APPLIED
    assert checked.result == {
        "added": 2,
        "changed": 1,
        "deactivated": 1,
        "reactivated": 0,
        "invited": 0,
        "departments_added": 1,
        "rows_left_out": 0,
    }
    assert checked.content == ""  # the file's text is not kept once applied
    anna = StaffProfile.objects.get(employee_number="20000001")
    ben = StaffProfile.objects.get(employee_number="20000002")
    assert (anna.user.email, anna.band, anna.department, anna.line_manager) == (
        "anna.bell@westfield.example",
        Band.BAND_5,
        ward7,
        admin_profile,
    )
    assert ben.department is not None
    assert (ben.profession, ben.department.name, ben.line_manager) == (
        Profession.MIDWIFE,
        "Maternity",
        anna,
    )
    assert not anna.user.has_usable_password()
    mover.refresh_from_db()
    assert (mover.band, mover.department, mover.user.first_name) == (Band.BAND_7, ward7, "Max")
    leaver.refresh_from_db()
    assert not leaver.user.is_active
    assert deactivated_at(leaver.user) is not None  # the leavers' rule sees the date

    again = apply(programme_admin, check(programme_admin, organisation, esr(*rows)))
    assert again.plan["counts"]["new"] == 0
    assert again.result["added"] == again.result["changed"] == again.result["deactivated"] == 0
    assert StaffProfile.objects.filter(organisation=organisation).count() == 5


def test_every_change_is_audited_under_its_person(programme_admin, admin_profile, organisation):
    checked = apply(programme_admin, check(programme_admin, organisation, esr(ANNA)))
    anna = StaffProfile.objects.get(employee_number="20000001")
    added = AuditEntry.objects.get(action="staff.added", target_id=str(anna.pk))
    assert added.actor == programme_admin
    assert added.organisation_id == organisation.pk
    assert added.details == {"source": f"ESR import {checked.pk}"}
    actions = set(
        AuditEntry.objects.filter(target_id=str(checked.pk)).values_list("action", flat=True)
    )
    assert actions == {"staff_import.checked", "staff_import.started", "staff_import.applied"}


def test_new_people_are_invited_in_bulk_when_asked(
    programme_admin, admin_profile, organisation, django_capture_on_commit_callbacks
):
    checked = check(programme_admin, organisation, esr(ANNA))
    with django_capture_on_commit_callbacks() as queued:
        staff_import_apply(actor=programme_admin, staff_import=checked, invite_new=True)
    assert len(queued) == 1  # the import's task, after the commit
    with django_capture_on_commit_callbacks(execute=False) as invitations:
        staff_import_run(staff_import_id=checked.pk)
    assert len(invitations) == 1  # one invitation task per new person
    anna = StaffProfile.objects.get(employee_number="20000001")
    assert anna.invited_at is not None
    assert AuditEntry.objects.filter(action="staff.invited", target_id=str(anna.pk)).exists()


def test_an_import_cannot_be_applied_twice(programme_admin, admin_profile, organisation):
    checked = apply(programme_admin, check(programme_admin, organisation, esr(ANNA)))
    with pytest.raises(Exception, match="already been applied"):
        staff_import_apply(actor=programme_admin, staff_import=checked, invite_new=False)
    staff_import_run(staff_import_id=checked.pk)  # a redelivered task: nothing happens
    assert StaffProfile.objects.filter(employee_number="20000001").count() == 1


# --- Pages and who may use them -------------------------------------------------------


def _upload(client, raw, whole=False):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data: dict[str, object] = {"file": SimpleUploadedFile("esr.csv", raw, content_type="text/csv")}
    if whole:
        data["whole_organisation"] = "on"
    return client.post(reverse("supervision:staff_import"), data)


def test_the_admin_uploads_reads_the_dry_run_and_applies_it(
    client, programme_admin, admin_profile, organisation, django_capture_on_commit_callbacks
):
    client.force_login(programme_admin)
    bad = BEN.replace("ben.carr@westfield.example", "nope")
    response = _upload(client, esr(ANNA, bad))
    checked = StaffImport.objects.get()
    assert response.url == reverse("supervision:staff_import_detail", args=[checked.pk])
    page = client.get(response.url).content.decode()
    assert "Rows with errors (1)" in page
    assert "Enter the work email in the correct format" in page
    page = client.get(response.url + "?show=new").content.decode()
    assert "Anna Bell" in page
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("supervision:staff_import_apply", args=[checked.pk]))
    staff_import_run(staff_import_id=checked.pk)
    page = client.get(response.url).content.decode()
    assert "People added" in page
    assert StaffProfile.objects.filter(employee_number="20000001").exists()
    assert not StaffProfile.objects.filter(employee_number="20000002").exists()


def test_an_empty_upload_shows_the_nhs_error(client, programme_admin):
    client.force_login(programme_admin)
    response = client.post(reverse("supervision:staff_import"), {})
    assert response.status_code == 200
    assert "Select the ESR file" in response.content.decode()


def test_another_organisations_admin_cannot_see_or_apply_an_import(
    client, programme_admin, organisation, outsider
):
    checked = check(programme_admin, organisation, esr(ANNA))
    client.force_login(outsider)
    detail = reverse("supervision:staff_import_detail", args=[checked.pk])
    assert client.get(detail).status_code == 404
    assert (
        client.post(reverse("supervision:staff_import_apply", args=[checked.pk])).status_code == 404
    )
    checked.refresh_from_db()
    assert checked.status == StaffImport.Status.CHECKED


def test_staff_who_are_not_admins_cannot_import(client, supervisee, programme_admin, organisation):
    checked = check(programme_admin, organisation, esr(ANNA))
    client.force_login(supervisee)
    assert client.get(reverse("supervision:staff_import")).status_code == 403
    assert _upload(client, esr(ANNA)).status_code == 403
    detail = reverse("supervision:staff_import_detail", args=[checked.pk])
    assert client.get(detail).status_code == 403
    assert StaffImport.objects.count() == 1


def test_anonymising_a_leaver_blanks_their_staff_number(programme_admin, organisation):
    from accounts.anonymise import user_anonymise

    profile = StaffProfileFactory(
        organisation=organisation, employee_number="20000001", user__is_active=False
    )
    user_anonymise(actor=None, user=profile.user)
    profile.refresh_from_db()
    assert profile.employee_number == ""
    # A row for them now is someone new, not a way back to the anonymised account.
    checked = check(programme_admin, organisation, esr(ANNA.replace(",10000001,", ",,")))
    assert checked.plan["counts"]["new"] == 1


def test_the_page_shows_progress_while_the_import_runs(client, programme_admin, organisation):
    checked = check(programme_admin, organisation, esr(ANNA))
    StaffImport.objects.filter(pk=checked.pk).update(
        status=StaffImport.Status.APPLYING, steps_done=4000, steps_total=10000
    )
    client.force_login(programme_admin)
    page = client.get(reverse("supervision:staff_import_detail", args=[checked.pk]))
    html = page.content.decode()
    assert "Applying: 4,000 of 10,000 changes made (40%)." in html
    assert "Apply the changes" not in html


def test_two_people_with_one_email_are_errors_but_one_persons_two_rows_say_it_once(
    programme_admin, organisation
):
    ben = BEN.replace("ben.carr@", "anna.bell@").replace(",20000001,", ",,")
    checked = check(programme_admin, organisation, esr(ANNA.replace(",10000001,", ",,"), ben))
    assert [(row, column) for row, column, _ in problems(checked)] == [
        (2, "Work Email"),
        (3, "Work Email"),
    ]
    second = ANNA.replace("20000001-1", "20000001-2")
    checked = check(programme_admin, organisation, esr(ANNA, second))
    assert [(row, column) for row, column, _ in problems(checked)] == [
        (2, "Employee Number"),
        (3, "Employee Number"),
    ]
