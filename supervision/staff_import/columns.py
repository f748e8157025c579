"""The details an ESR export gives, and the column headings ESR usually gives them.

An organisation may name any column for any detail (its saved mapping); a
detail it has not named is found under the usual headings, compared without
case, spaces or punctuation ("Line Manager's Employee Number" matches
"line manager employee number").
"""

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise  # as the page and the errors name it
    headings: tuple[str, ...]  # the usual ESR headings, the first one the usual
    required: bool = False  # a file without it cannot be read
    max_length: int = 200


COLUMNS: tuple[Column, ...] = (
    Column(
        "employee_number",
        _("Employee number"),
        ("Employee Number", "Employee No", "Staff Number", "Person Number", "Payroll Number"),
        required=True,
        max_length=30,
    ),
    Column("assignment_number", _("Assignment number"), ("Assignment Number",), max_length=30),
    Column(
        "first_name",
        _("First name"),
        ("First Name", "Forename", "Forenames", "Known As"),
        required=True,
        max_length=150,
    ),
    Column("last_name", _("Last name"), ("Last Name", "Surname"), required=True, max_length=150),
    Column(
        "email",
        _("Work email"),
        ("Work Email", "Work Email Address", "Email Address", "Email", "Primary Email"),
        max_length=254,
    ),
    Column("position", _("Position"), ("Position", "Position Title", "Job Title", "Role")),
    Column(
        "grade",
        _("Grade or band"),
        ("Grade", "Band", "Pay Band", "Grade Code", "Payscale", "Pay Scale"),
        max_length=100,
    ),
    Column(
        "staff_group",
        _("Staff group"),
        ("Staff Group", "Occupation", "Occupation Code", "Profession"),
        max_length=100,
    ),
    Column(
        "department",
        _("Department"),
        ("Organisation", "Department", "Cost Centre", "Ward", "Team"),
    ),
    Column(
        "line_manager",
        _("Line manager's employee number"),
        (
            "Line Manager's Employee Number",
            "Line Manager Employee Number",
            "Supervisor Employee Number",
            "Manager Employee Number",
            "Line Manager Number",
        ),
        max_length=30,
    ),
    Column(
        "start_date",
        _("Start date"),
        ("Start Date", "Assignment Start Date", "Latest Start Date", "Hire Date"),
        max_length=30,
    ),
    Column(
        "end_date",
        _("End date"),
        ("End Date", "Termination Date", "Assignment End Date", "Leaving Date"),
        max_length=30,
    ),
)
BY_KEY = {column.key: column for column in COLUMNS}


def simplified(heading: str) -> str:
    """A heading without case, spaces or punctuation, for comparing headings."""
    return re.sub(r"[^0-9a-z]", "", heading.casefold())


def locate(headings: list[str], mapping: dict[str, str]) -> tuple[dict[str, int], list[Column]]:
    """Where each detail is in the file: {key: column index}, and the required columns missing.

    A detail the mapping names is looked for under that heading only; any other
    under its usual headings, in order.
    """
    positions: dict[str, int] = {}
    for position, heading in enumerate(headings):
        positions.setdefault(simplified(heading), position)
    found: dict[str, int] = {}
    missing: list[Column] = []
    for column in COLUMNS:
        named = (mapping.get(column.key) or "").strip()
        candidates = (named,) if named else column.headings
        index = next(
            (positions[simplified(h)] for h in candidates if simplified(h) in positions), None
        )
        if index is not None:
            found[column.key] = index
        elif column.required:
            missing.append(column)
    return found, missing


def heading_for(column: Column, mapping: dict[str, str]) -> str:
    """The heading the file is expected to have for `column`."""
    return (mapping.get(column.key) or "").strip() or column.headings[0]
