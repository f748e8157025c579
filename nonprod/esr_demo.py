"""The demo ESR export of Westfield Hospitals NHS Trust (nonprod/fixtures/westfield-esr.csv).

Every member of Westfield's demo staff is in it, by the email the demo gave
them, with an employee number (so the first import matches them by email and
gives them their numbers), plus new starters, a few moves and promotions, a few
leavers, and a few rows with errors to fix: a new starter with no work email, a
start date that is not a real date, a line manager nobody has, and a second
assignment row for one person. Regenerate it with `manage.py demo_esr_file`
after changing the demo's people; a test checks the file matches.
"""

import csv
import datetime
import io
import random
from dataclasses import dataclass
from pathlib import Path

from kernel.models import Band, Grade, Profession

from .demo import KEY_PEOPLE, LAST_NAMES, _email, _generated_people
from .impact import JUNIOR_DOCTORS

PATH = Path(__file__).resolve().parent / "fixtures" / "westfield-esr.csv"
HEADINGS = [
    "Employee Number",
    "Assignment Number",
    "First Name",
    "Last Name",
    "Work Email Address",
    "Position Title",
    "Grade",
    "Staff Group",
    "Organisation",
    "Line Manager's Employee Number",
    "Assignment Start Date",
    "Termination Date",
]
STAFF_GROUPS: dict[str, str] = {
    Profession.NURSE: "Nursing and Midwifery Registered",
    Profession.MIDWIFE: "Nursing and Midwifery Registered",
    Profession.AHP: "Allied Health Professionals",
    Profession.DOCTOR: "Medical and Dental",
    Profession.PSYCHOLOGIST: "Add Prof Scientific and Technic (Psychology)",
    Profession.SUPPORT_WORKER: "Additional Clinical Services",
    Profession.NURSING_ASSOCIATE: "Additional Clinical Services",
}
DEPARTMENTS = [
    "Ward 7 (Acute medicine)",
    "Ward 12 (Surgery)",
    "Emergency department",
    "Maternity",
    "Critical care",
    "Children's ward",
]
NEW_DEPARTMENT = "Outpatients"
NEW_STARTERS = 260
LEFT_ON = datetime.date(2026, 6, 30)
# What the file does, for the demo's own test (tests/supervision/test_demo_esr.py).
PROMOTED, MOVED, LEAVERS = 3, 2, 3
ERROR_ROWS = 5  # the duplicate's two rows, and three new starters


# Doctors' grades as ESR names them (supervision.staff_import.values.doctor_grade reads them).
ESR_GRADES = {
    Grade.FY1: "Foundation Year 1",
    Grade.FY2: "Foundation Year 2",
    Grade.ST1_2: "Specialty Registrar (Core Training)",
    Grade.ST3_PLUS: "Specialty Registrar",
    Grade.SAS: "Specialty Doctor",
    Grade.CONSULTANT: "Medical & Dental: Consultant",
}


def _grade(band: str, grade: str) -> str:
    if grade:
        return ESR_GRADES[Grade(grade)]
    if band == Band.OTHER:
        return ""
    if band.startswith("8"):
        return f"Band 8 - Range {band[1].upper()}"
    return f"Band {band}"


@dataclass
class _Row:
    number: str
    first: str
    last: str
    email: str
    title: str
    band: str
    profession: str
    department: str
    manager: str = ""
    start: str = ""
    end: str = ""
    assignment: int = 1
    grade: str = ""  # a doctor's

    def cells(self) -> list[str]:
        return [
            self.number,
            f"{self.number}-{self.assignment}",
            self.first,
            self.last,
            self.email,
            self.title,
            _grade(self.band, self.grade) if self.band else "",
            STAFF_GROUPS.get(self.profession, "Administrative and Clerical"),
            self.department,
            self.manager,
            self.start,
            self.end,
        ]


def _existing() -> list[_Row]:
    """Westfield's demo staff as demo.load_demo_data made them, numbered from 10000001."""
    rows: list[_Row] = []
    everyone = KEY_PEOPLE + _generated_people(30)
    sam_number = ""
    for index, person in enumerate(everyone):
        if person.org != "westfield":
            continue
        number = f"{10000001 + len(rows)}"
        if (person.first, person.last) == ("Sam", "Whitaker"):
            sam_number = number
        started = datetime.date(2018 + index % 7, 1 + index % 12, 1)
        rows.append(
            _Row(
                number,
                person.first,
                person.last,
                _email(person),
                person.title,
                person.band,
                person.profession,
                person.department,
                # The demo makes the first programme admin the line manager of
                # those added after them; the file says the same.
                manager=sam_number if sam_number and index > 8 else "",
                start=started.strftime("%d/%m/%Y"),
                grade=person.grade,
            )
        )
    for first, last, department, title, grade in JUNIOR_DOCTORS:
        number = f"{10000001 + len(rows)}"
        email = f"{first.lower()}.{last.lower()}@westfield.example"
        rows.append(
            _Row(
                number,
                first,
                last,
                email,
                title,
                Band.OTHER,
                Profession.DOCTOR,
                department,
                grade=grade,
            )
        )
    return rows


def _changes(existing: list[_Row]) -> None:
    """Promotions, moves and leavers among the generated nurses (not the demo logins)."""
    generated = [row for row in existing[13:] if row.profession == Profession.NURSE]
    promotions = {"5": "6", "6": "7"}
    promotable = [row for row in generated if row.band in promotions]
    for row in promotable[:PROMOTED]:
        row.band = promotions[row.band]
    for row in promotable[PROMOTED : PROMOTED + MOVED]:
        others = [d for d in DEPARTMENTS if d != row.department]
        row.department = others[len(row.last) % len(others)]
    for row in promotable[PROMOTED + MOVED : PROMOTED + MOVED + LEAVERS]:
        row.end = LEFT_ON.strftime("%d/%m/%Y")


def _new_starters(existing: list[_Row]) -> list[_Row]:
    rng = random.Random(18)  # noqa: S311 - demo names, not security
    firsts = [
        "Abigail", "Adam", "Amelia", "Arjun", "Bilal", "Caitlin", "Cerys", "Connor", "Daisy",
        "Dylan", "Eleanor", "Elif", "Esther", "Finn", "Freya", "Gabriel", "Hana", "Hugo",
        "Imogen", "Ivan", "Jasmine", "Joel", "Kai", "Leila", "Liam", "Maya", "Megan", "Nathan",
        "Niamh", "Omar", "Orla", "Rosa", "Ryan", "Sana", "Seren", "Tariq", "Tilly", "Will",
    ]  # fmt: skip
    taken = {(row.first, row.last) for row in existing}
    managers = [row.number for row in existing if row.band in ("7", "8a", "8b")]
    bands = ["2", "3", "4", "5", "5", "5", "6", "6", "7"]
    titles = {
        "2": ("Healthcare Assistant", Profession.SUPPORT_WORKER),
        "3": ("Healthcare Support Worker", Profession.SUPPORT_WORKER),
        "4": ("Nursing Associate", Profession.NURSING_ASSOCIATE),
        "5": ("Staff Nurse", Profession.NURSE),
        "6": ("Senior Staff Nurse", Profession.NURSE),
        "7": ("Ward Sister", Profession.NURSE),
    }
    rows: list[_Row] = []
    emails: set[str] = set()
    while len(rows) < NEW_STARTERS:
        first, last = rng.choice(firsts), rng.choice(LAST_NAMES)
        if (first, last) in taken:
            continue
        base = f"{first.lower()}.{last.lower().replace(chr(39), '')}"
        email = f"{base}@westfield.example"
        suffix = 2
        while email in emails:  # namesakes: the second Sana Khan is sana.khan2@
            email = f"{base}{suffix}@westfield.example"
            suffix += 1
        emails.add(email)
        band = rng.choice(bands)
        title, profession = titles[band]
        if band in ("5", "6") and rng.random() < 0.15:
            title, profession = "Midwife", Profession.MIDWIFE
        department = NEW_DEPARTMENT if len(rows) % 20 == 0 else rng.choice(DEPARTMENTS)
        started = datetime.date(2026, 1 + len(rows) % 9, 1 + len(rows) % 28)
        rows.append(
            _Row(
                f"{10100001 + len(rows)}",
                first,
                last,
                email,
                title,
                band,
                profession,
                department,
                manager=rng.choice(managers),
                start=started.strftime("%d/%m/%Y"),
            )
        )
    return rows


def _errors(existing: list[_Row], new: list[_Row]) -> list[_Row]:
    """Rows a real export has: each names what to fix, by row and column."""
    new[10].email = ""  # a new starter whose email IT has not set up yet
    new[20].start = "31/02/2026"  # not a real date
    new[30].manager = "19999999"  # a line manager nobody has
    second = existing[-len(JUNIOR_DOCTORS) - 1]  # the last generated member of staff
    duplicate = _Row(**{**second.__dict__, "assignment": 2, "title": "Bank Staff Nurse"})
    return [duplicate]


def demo_esr_rows() -> list[list[str]]:
    existing = _existing()
    _changes(existing)
    new = _new_starters(existing)
    extra = _errors(existing, new)
    return [row.cells() for row in existing + new + extra]


def demo_esr_text() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADINGS)
    writer.writerows(demo_esr_rows())
    return buffer.getvalue()
