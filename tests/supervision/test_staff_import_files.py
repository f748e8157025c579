"""Issue 18: ESR files as people really send them, uploaded through the page.

Each file goes through the upload view and the dry run page as a programme admin
would use them: files that are not CSV, other encodings and delimiters, broken
rows, grades as ESR writes them, line managers that cannot be, and people of
another organisation. Nothing answers 500; each error names its row and column.
"""

import csv
import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kernel.models import Band, Grade, Profession, StaffProfile
from supervision.models import StaffImport
from supervision.services.staff_import import staff_import_apply, staff_import_run
from supervision.staff_import.reading import MAX_BYTES
from tests.factories import StaffProfileFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 5, 12, 9, 0, tzinfo=datetime.UTC)
FIELDS = [
    "Employee Number",
    "Assignment Number",
    "First Name",
    "Last Name",
    "Work Email",
    "Position",
    "Grade",
    "Staff Group",
    "Organisation",
    "Line Manager's Employee Number",
    "Start Date",
    "End Date",
]
ANNA = {
    "Employee Number": "20000001",
    "Assignment Number": "20000001-1",
    "First Name": "Anna",
    "Last Name": "Bell",
    "Work Email": "anna.bell@westfield.example",
    "Position": "Staff Nurse",
    "Grade": "Band 5",
    "Staff Group": "Nursing and Midwifery Registered",
    "Organisation": "Acute Medicine",
    "Line Manager's Employee Number": "",
    "Start Date": "01/04/2024",
    "End Date": "",
}


def person(number: int, **changes) -> dict:
    """Anna's row for employee number `number`, with `changes` (keys with _ for spaces)."""
    row = {
        **ANNA,
        "Employee Number": str(number),
        "Assignment Number": f"{number}-1",
        "First Name": f"Person{number}",
        "Work Email": f"person{number}@westfield.example",
    }
    for key, value in changes.items():
        row[key.replace("_", " ") if key != "Line_Manager" else FIELDS[9]] = value
    return row


def esr(*rows: dict, delimiter=",", fields=FIELDS, line_end="\n") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fields, delimiter=delimiter, lineterminator=line_end)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def admin(client, programme_admin):
    client.force_login(programme_admin)
    return programme_admin


def upload(client, raw: bytes | str, name="esr.csv", whole=False):
    """Upload through the page; the import it made, and its dry run page's text."""
    if isinstance(raw, str):
        raw = raw.encode()
    data: dict = {"file": SimpleUploadedFile(name, raw, content_type="text/csv")}
    if whole:
        data["whole_organisation"] = "on"
    response = client.post(reverse("supervision:staff_import"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url.startswith("/people/import/"), response.url
    checked = StaffImport.objects.latest("pk")
    page = client.get(response.url)
    assert page.status_code == 200
    return checked, page.content.decode()


def problems(checked: StaffImport) -> list[tuple[int, str, str]]:
    return [(p["row"], p["column"], p["message"]) for p in checked.plan["problems"]]


def places(checked: StaffImport) -> list[tuple[int, str]]:
    """The row and column of each error."""
    return [(row, column) for row, column, _message in problems(checked)]


def apply(admin, checked: StaffImport) -> StaffImport:
    staff_import_apply(actor=admin, staff_import=checked, invite_new=False)
    staff_import_run(staff_import_id=checked.pk)
    checked.refresh_from_db()
    return checked


# --- Files that are not a table of staff --------------------------------------------


def test_an_empty_file_is_refused_on_the_upload_page(client, admin):
    response = client.post(
        reverse("supervision:staff_import"), {"file": SimpleUploadedFile("esr.csv", b"")}
    )
    assert response.status_code == 200
    assert "The selected file is empty" in response.content.decode()
    assert not StaffImport.objects.exists()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b" \r\n\r\n", "The selected file is empty"),
        (",".join(FIELDS).encode() + b"\r\n", "has headings but no rows of staff"),
        (",".join(FIELDS).encode() + b"\r\n,,,,\r\n\r\n", "has headings but no rows of staff"),
        (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", "is an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old xls", "is an Excel workbook"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "is a PDF, not a CSV file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a picture, not a CSV file"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "is a compressed archive"),
        (b"\x00\x01\x02\x03 not text \x00\xff", "must be a CSV file"),
        (b"MZ\x90\x03\x04\x05\x06 binary \x8d\x07", "must be a CSV file"),
        (b"Surname,Forename\nBell,Anna\n", "The file has no column for employee number"),
    ],
)
def test_a_file_that_is_not_a_table_of_staff_says_why(client, admin, raw, expected):
    checked, page = upload(client, raw)
    assert expected in checked.plan["file_problem"]
    assert "The file could not be read" in page
    assert expected in page.replace("&#x27;", "'")
    assert checked.content == ""


def test_missing_required_columns_are_named(client, admin):
    fields = ["Employee Number", "Work Email"]
    checked, _page = upload(
        client, esr({"Employee Number": "1", "Work Email": "a@b.example"}, fields=fields)
    )
    message = checked.plan["file_problem"]
    assert "first name, last name" in message
    assert "“First Name”, “Last Name”" in message


def test_a_file_over_the_size_limit_is_refused_without_reading_it(client, admin):
    assert MAX_BYTES == 20 * 1024 * 1024
    big = esr(ANNA).encode() + b"x" * (50 * 1024 * 1024)
    response = client.post(
        reverse("supervision:staff_import"), {"file": SimpleUploadedFile("esr.csv", big)}
    )
    assert response.status_code == 200
    assert "The selected file must be smaller than 20 MB" in response.content.decode()
    assert not StaffImport.objects.exists()


# --- Encodings, delimiters and line ends ------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8-sig"),
        lambda text: text.encode("utf-16"),
        lambda text: text.encode("utf-16-le"),
        lambda text: text.encode("cp1252"),
    ],
    ids=["utf-8 with BOM", "utf-16 with BOM", "utf-16 without BOM", "windows-1252"],
)
def test_each_encoding_excel_saves_is_read(client, admin, encode):
    row = {**ANNA, "First Name": "Siân", "Last Name": "O\u2019Brien", "Position": "Nurse £ lead"}
    checked, page = upload(client, encode(esr(row, delimiter="\t")))
    assert checked.plan["file_problem"] == ""
    [new] = checked.plan["new"]
    assert new["name"] == "Siân O\u2019Brien"
    assert new["job_title"] == "Nurse £ lead"
    assert new["number"] == "20000001"  # the byte order mark is not part of the heading
    assert "Siân O\u2019Brien" in page


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_the_delimiter_is_found_from_the_headings(client, admin, delimiter):
    row = {**ANNA, "Organisation": "Ward 7, Acute Medicine"}
    checked, _page = upload(client, esr(row, person(20000002), delimiter=delimiter))
    assert checked.plan["counts"]["new"] == 2
    assert checked.plan["new"][0]["department"] == "Ward 7, Acute Medicine"


def test_excels_delimiter_hint_line_is_followed_and_not_a_row(client, admin):
    checked, _page = upload(client, "sep=;\r\n" + esr(ANNA, delimiter=";"))
    assert checked.plan["counts"]["new"] == 1
    assert checked.plan["new"][0]["row"] == 2


def test_crlf_quoted_fields_blank_rows_trailing_delimiters_and_extra_columns(client, admin):
    fields = [*FIELDS, "Pay Scale Point", "Contracted Hours"]
    rows = [
        {**ANNA, "Position": "Staff Nurse, Nights", "Pay Scale Point": "3"},
        {**person(20000002), "Position": 'Ward "Sister"\nand lead'},
    ]
    text = esr(*rows, fields=fields, line_end="\r\n")
    lines = text.split("\r\n")
    # A trailing delimiter on every line, and blank rows, as Excel leaves them.
    text = "\r\n".join(line + "," if line else line for line in lines)
    text = text.replace("\r\n20000002", "\r\n,,,,\r\n\r\n20000002")
    checked, page = upload(client, text)
    assert problems(checked) == []
    assert checked.plan["counts"]["new"] == 2
    titles = [new["job_title"] for new in checked.plan["new"]]
    assert titles == ["Staff Nurse, Nights", 'Ward "Sister" and lead']
    assert [new["row"] for new in checked.plan["new"]] == [2, 5]
    assert "These columns are not used: Pay Scale Point, Contracted Hours" in page


def test_a_very_long_field_is_an_error_on_its_row_not_the_file(client, admin):
    row = {**person(20000002), "Last Name": "x" * 500_000}
    checked, page = upload(client, esr(ANNA, row))
    assert problems(checked) == [(3, "Last Name", "The last name must be 150 characters or fewer")]
    assert checked.plan["counts"]["new"] == 1
    assert "x" * 1000 not in page


# --- Dates ------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["01/04/2024", "2024-04-01", "01-APR-2024", "01-Apr-2024"])
def test_dates_as_esr_and_excel_write_them(client, admin, written):
    checked, _page = upload(client, esr({**ANNA, "Start Date": written}))
    assert problems(checked) == []
    checked = apply(admin, checked)
    profile = StaffProfile.objects.get(employee_number="20000001")
    assert profile.start_date == datetime.date(2024, 4, 1)


def test_a_date_that_is_not_one_and_an_end_before_the_start_are_row_errors(client, admin):
    checked, page = upload(
        client,
        esr(
            {**ANNA, "Start Date": "31/02/2024"},
            person(20000002, Start_Date="01-APR-2025", End_Date="31-MAR-2025"),
        ),
    )
    assert problems(checked) == [
        (2, "Start Date", "The start date must be a real date, like 31/03/2026"),
        (
            3,
            "End Date",
            "The end date must be the same as or after the start date, 1 Apr 2025",
        ),
    ]
    assert "Rows with errors (2)" in page


# --- Duplicates -------------------------------------------------------------------


def test_one_employee_number_twice_and_one_email_for_two_people(client, admin):
    checked, _page = upload(
        client,
        esr(
            ANNA,
            {**ANNA, "Assignment Number": "20000001-2"},
            person(20000002, Work_Email="SHARED@westfield.example"),
            person(20000003, Work_Email="shared@westfield.example"),
        ),
    )
    assert places(checked) == [
        (2, "Employee Number"),
        (3, "Employee Number"),
        (4, "Work Email"),
        (5, "Work Email"),
    ]
    assert "also on row 3" in problems(checked)[0][2]
    assert checked.plan["counts"]["new"] == 0


# --- Line managers ------------------------------------------------------------------


def test_line_managers_who_cannot_be(client, admin, organisation):
    checked, _page = upload(
        client,
        esr(
            person(20000001, Line_Manager="99999999"),  # nobody
            person(20000002, Line_Manager="20000002"),  # themselves
            person(20000003, Line_Manager="20000004"),  # a circle of two
            person(20000004, Line_Manager="20000003"),
            person(20000005, Line_Manager="20000001"),  # fine: 20000001 is in the file
        ),
    )
    found = problems(checked)
    assert found[0] == (
        2,
        "Line Manager's Employee Number",
        f"Nobody has employee number 99999999 in this file or at {organisation.name}",
    )
    assert found[1][:2] == (3, "Line Manager's Employee Number")
    assert "own line manager" in found[1][2]
    assert [(row, column) for row, column, _ in found[2:4]] == [
        (4, "Line Manager's Employee Number"),
        (5, "Line Manager's Employee Number"),
    ]
    assert "go round in a circle (20000003 \u2192 20000004 \u2192 20000003)" in found[2][2]
    # Row 6's manager (row 2) has an error, so row 6 cannot be applied either.
    assert found[4] == (
        6,
        "Line Manager's Employee Number",
        "The line manager\u2019s row (row 2) has errors: fix that row first",
    )
    assert len(found) == 5


def test_a_row_whose_new_manager_is_left_out_further_down_is_left_out_too(client, admin):
    checked, _page = upload(
        client,
        esr(
            person(20000001, Line_Manager="20000002"),
            person(20000002, Line_Manager="20000003"),
            person(20000003, Work_Email="not an email"),
        ),
    )
    assert places(checked) == [
        (2, "Line Manager's Employee Number"),
        (3, "Line Manager's Employee Number"),
        (4, "Work Email"),
    ]
    assert checked.plan["counts"]["new"] == 0


def test_a_circle_through_someone_already_on_the_staff(client, admin, organisation):
    boss = StaffProfileFactory(organisation=organisation, employee_number="30000001")
    deputy = StaffProfileFactory(
        organisation=organisation, employee_number="30000002", line_manager=boss
    )
    row = person(30000001, Work_Email=boss.user.email, Line_Manager="30000002")
    checked, _page = upload(client, esr(row))
    [(number, column, message)] = problems(checked)
    assert (number, column) == (2, "Line Manager's Employee Number")
    assert "30000001 \u2192 30000002 \u2192 30000001" in message
    apply(admin, checked)
    boss.refresh_from_db()
    assert boss.line_manager is None
    assert deputy.line_manager_id == boss.pk


# --- Other organisations, and text that must stay text ------------------------------


def test_an_email_of_another_organisations_person_neither_moves_nor_names_them(
    client, admin, organisation, other_organisation
):
    theirs = StaffProfileFactory(
        organisation=other_organisation,
        employee_number="20000001",
        user__email="anna.bell@westfield.example",
        user__first_name="Secret",
        user__last_name="Person",
    )
    checked, page = upload(client, esr(ANNA))
    assert problems(checked) == [
        (2, "Work Email", "Someone with this email address is already registered")
    ]
    assert "Secret" not in page
    assert other_organisation.name not in page
    apply(admin, checked)
    theirs.refresh_from_db()
    assert theirs.organisation == other_organisation
    assert theirs.user.first_name == "Secret"
    assert not StaffProfile.objects.filter(organisation=organisation, employee_number="20000001")


def test_html_and_formulas_in_a_file_are_shown_as_text_and_made_safe_in_the_csv(client, admin):
    formula = {**ANNA, "First Name": "=cmd|' /C calc'!A0", "Position": "+SUM(A1:A9)"}
    html = person(20000002, First_Name="<script>alert(1)</script>", Last_Name="<b>Carr</b>")
    bad = person(20000003, First_Name="-2+3", Start_Date="@when")
    checked, page = upload(client, esr(formula, html, bad))
    page += client.get(
        reverse("supervision:staff_import_detail", args=[checked.pk]) + "?show=new"
    ).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Carr&lt;/b&gt;" in page
    download = client.get(reverse("supervision:staff_import_download", args=[checked.pk]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    cells = [cell for line in rows for cell in line]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))]
    assert "'=cmd|' /C calc'!A0 Bell" in cells
    assert "<script>alert(1)</script> <b>Carr</b>" in cells
    errors = [line for line in rows if line and line[0] == "Rows with errors"]
    assert [line[:5] for line in errors] == [["Rows with errors", "4", "", "", "Start Date"]]


def test_the_dry_run_download_lists_errors_new_people_changes_leavers_and_returners(
    client, admin, organisation
):
    StaffProfileFactory(organisation=organisation, employee_number="20000003", band=Band.BAND_5)
    StaffProfileFactory(organisation=organisation, employee_number="20000004")
    checked, _page = upload(
        client,
        esr(
            ANNA,
            person(20000002, Work_Email="nope"),
            person(20000003, Grade="Band 6"),
            person(20000004, End_Date="01/01/2026"),
        ),
    )
    response = client.get(reverse("supervision:staff_import_download", args=[checked.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    table = rows[
        rows.index(["List", "Row", "Staff number", "Name", "Column or detail", "Details"]) + 1 :
    ]
    assert list(dict.fromkeys((line[0], line[1]) for line in table)) == [
        ("Rows with errors", "3"),
        ("New people", "2"),
        ("Changes", "4"),
        ("Leavers", "5"),
    ]
    assert table[2][:3] == ["Changes", "4", "20000003"]
    assert ["Band", "Band 5 \u2192 Band 6"] in [line[4:] for line in table]


def test_another_organisations_admin_cannot_download_a_dry_run(client, admin, outsider):
    checked, _page = upload(client, esr(ANNA))
    client.force_login(outsider)
    url = reverse("supervision:staff_import_download", args=[checked.pk])
    assert client.get(url).status_code == 404


# --- Grades, bands and professions ----------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "staff_group", "band", "profession", "doctor_grade"),
    [
        ("Band 5", "Nursing and Midwifery Registered", Band.BAND_5, Profession.NURSE, ""),
        ("5", "Allied Health Professionals", Band.BAND_5, Profession.AHP, ""),
        ("AfC Band 8C", "Add Prof Scientific and Technic", Band.BAND_8C, Profession.OTHER, ""),
        ("Band 8c", "Nursing and Midwifery Registered", Band.BAND_8C, Profession.NURSE, ""),
        ("XR06", "Additional Clinical Services", Band.BAND_6, Profession.SUPPORT_WORKER, ""),
        (
            "Medical & Dental: Consultant",
            "",
            Band.OTHER,
            Profession.DOCTOR,
            Grade.CONSULTANT,
        ),
        ("FY1", "Medical and Dental", Band.OTHER, Profession.DOCTOR, Grade.FY1),
        ("Foundation Year 2", "Medical and Dental", Band.OTHER, Profession.DOCTOR, Grade.FY2),
        ("ST3", "Medical and Dental", Band.OTHER, Profession.DOCTOR, Grade.ST3_PLUS),
        ("CT1", "", Band.OTHER, Profession.DOCTOR, Grade.ST1_2),
        (
            "Specialty Registrar",
            "Medical and Dental",
            Band.OTHER,
            Profession.DOCTOR,
            Grade.ST3_PLUS,
        ),
        ("Specialty Doctor", "Medical and Dental", Band.OTHER, Profession.DOCTOR, Grade.SAS),
        ("Clinical Fellow", "Medical and Dental", Band.OTHER, Profession.DOCTOR, ""),
        ("Nurse Consultant", "Nursing and Midwifery Registered", Band.OTHER, Profession.NURSE, ""),
    ],
)
def test_grades_become_bands_doctors_grades_and_professions(
    client, admin, grade, staff_group, band, profession, doctor_grade
):
    row = {**ANNA, "Grade": grade, "Staff Group": staff_group, "Position": "Post"}
    checked, _page = upload(client, esr(row))
    assert problems(checked) == []
    apply(admin, checked)
    profile = StaffProfile.objects.get(employee_number="20000001")
    assert (profile.band, profile.profession, profile.grade) == (band, profession, doctor_grade)


def test_a_doctors_grade_with_a_nurses_staff_group_is_an_error_in_the_grade(client, admin):
    row = {**ANNA, "Grade": "FY1"}
    checked, _page = upload(client, esr(row))
    [(number, column, message)] = problems(checked)
    assert (number, column) == (2, "Grade")
    assert "FY1 is a doctor\u2019s grade, but the staff group is for a nurse" in message


def test_a_doctor_who_becomes_a_registrar_and_one_who_retrains_as_a_nurse(
    client, admin, organisation
):
    StaffProfileFactory(
        organisation=organisation,
        employee_number="20000001",
        profession=Profession.DOCTOR,
        grade=Grade.FY2,
        band=Band.OTHER,
    )
    StaffProfileFactory(
        organisation=organisation,
        employee_number="20000002",
        profession=Profession.DOCTOR,
        grade=Grade.FY1,
        band=Band.OTHER,
    )
    checked, page = upload(
        client,
        esr(
            person(20000001, Grade="ST3", Staff_Group="Medical and Dental", Position="Registrar"),
            person(20000002, Grade="Band 5"),
        ),
    )
    assert "Foundation year 2 (FY2) → Specialty training year 3 or above (ST3+)" in page
    apply(admin, checked)
    registrar = StaffProfile.objects.get(employee_number="20000001")
    nurse = StaffProfile.objects.get(employee_number="20000002")
    assert (registrar.profession, registrar.grade) == (Profession.DOCTOR, Grade.ST3_PLUS)
    assert (nurse.profession, nurse.grade, nurse.band) == (Profession.NURSE, "", Band.BAND_5)


# --- Leavers who come back ---------------------------------------------------------------


def test_a_leaver_who_is_current_again_is_returning_and_reactivated(client, admin, organisation):
    apply(admin, upload(client, esr(ANNA, person(20000002)))[0])
    checked, _page = upload(client, esr({**ANNA, "End Date": "30/04/2026"}, person(20000002)))
    assert checked.plan["counts"]["leavers"] == 1
    apply(admin, checked)
    anna = StaffProfile.objects.get(employee_number="20000001")
    assert anna.user.is_active is False  # a leaver is deactivated, never deleted
    with time_machine.travel(TODAY + datetime.timedelta(days=60), tick=False):
        client.force_login(admin)  # a sign-in lasts less than two months
        checked, page = upload(client, esr({**ANNA, "Grade": "Band 6"}, person(20000002)))
        assert checked.plan["counts"]["returning"] == 1
        assert "Returning (1)" in page
        page = client.get(
            reverse("supervision:staff_import_detail", args=[checked.pk]) + "?show=returning"
        ).content.decode()
        assert "Returning: deactivated here, current in the file" in page
        checked = apply(admin, checked)
        assert checked.result["reactivated"] == 1
        anna.refresh_from_db()
        anna.user.refresh_from_db()
        assert anna.user.is_active is True
        assert anna.band == Band.BAND_6
        # Applying the same file again changes nothing more.
        again, _page = upload(client, esr({**ANNA, "Grade": "Band 6"}, person(20000002)))
        assert again.plan["counts"]["returning"] == 0
        assert again.plan["counts"]["unchanged"] == 2


# --- Nothing half-applied -------------------------------------------------------------------


def test_a_failed_apply_can_be_run_again_to_finish(client, admin, organisation, monkeypatch):
    """Applying is resumable, not atomic: each batch commits; a run that stops part way
    is marked failed and running it again finishes, changing nobody twice."""
    from supervision.services import staff_import as service

    checked, _page = upload(client, esr(ANNA, person(20000002), person(20000003)))
    real = service._apply_changes

    def stop(*args, **kwargs):
        raise RuntimeError("the worker stopped")

    monkeypatch.setattr(service, "_apply_changes", stop)
    checked = apply(admin, checked)
    assert checked.status == StaffImport.Status.FAILED
    assert StaffProfile.objects.filter(employee_number__startswith="2000000").count() == 3
    monkeypatch.setattr(service, "_apply_changes", real)
    checked = apply(admin, checked)
    assert checked.status == StaffImport.Status.APPLIED
    assert checked.result["added"] == 0
    assert StaffProfile.objects.filter(employee_number__startswith="2000000").count() == 3
