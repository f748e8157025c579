"""The dry run: what an ESR file would change in an organisation, found in bulk.

`plan_import` reads every row, checks each detail, and compares the file with
the organisation's staff in a handful of queries whatever the file's size.
The employee number is the key: a row whose number is not known yet is matched
by work email to someone added by hand (they gain the number), else it is a new
person. Applying the plan (services.staff_import) recomputes it first, so a
plan is always against the staff as they are, and applying twice changes
nothing the second time.

An empty cell leaves that detail as it is. A row with any error is left out
entirely. Leavers are those whose end date has passed, and, when the file is
the whole organisation, active people it does not mention at all.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.dates import today_in
from kernel.models import Band, Department, Grade, Organisation, Profession, StaffProfile

from ..pairing import OWN_LINE_MANAGER, supervising_pairs, supervising_refusal
from . import values
from .columns import BY_KEY, locate
from .reading import FileProblem, Table, read

# Profile details an import may set, in the order a change lists them.
DETAILS = ("employee_number", "name", "job_title", "band", "profession", "grade", "department")
DETAIL_LABELS = {
    "employee_number": gettext_lazy("Staff number"),
    "name": gettext_lazy("Name"),
    "job_title": gettext_lazy("Job title"),
    "band": gettext_lazy("Band"),
    "profession": gettext_lazy("Profession"),
    "grade": gettext_lazy("Doctor\u2019s grade"),
    "department": gettext_lazy("Department"),
    "line_manager": gettext_lazy("Line manager"),
    "start_date": gettext_lazy("Start date"),
}
NONE = "\u2013"  # an en dash: no value
QUERY_CHUNK = 5000  # values in one IN (...): well under SQLite's limit


@dataclass
class Problem:
    row: int
    column: str  # the heading in the file
    message: str


@dataclass
class Row:
    row: int
    cells: dict[str, Any]  # key -> value read (only the columns the file has, non-empty)
    problems: list[Problem] = field(default_factory=list)

    @property
    def number(self) -> str:
        return self.cells.get("employee_number", "")


@dataclass
class Known:
    """One of the organisation's staff, as the dry run compares them."""

    pk: int
    user_id: int
    number: str
    email: str
    first_name: str
    last_name: str
    is_active: bool
    band: str
    profession: str
    grade: str
    department_id: int | None
    job_title: str
    line_manager_id: int | None
    start_date: datetime.date | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email


@dataclass
class NewPerson:
    row: int
    number: str
    first_name: str
    last_name: str
    email: str
    job_title: str
    band: str
    profession: str
    grade: str  # a doctor's grade; "" for anyone else
    department: str  # a name; "" for none
    line_manager: str  # an employee number; "" for none
    start_date: datetime.date | None


@dataclass
class Change:
    row: int
    known: Known
    fields: dict[
        str, Any
    ]  # profile field -> new value (department: a name; line_manager: a number)
    shown: list[tuple[str, str, str]]  # (detail, from, to) as the page says them


@dataclass
class Leaver:
    known: Known
    row: int | None
    reason: str


@dataclass
class Returning:
    """Someone deactivated here (a leaver) whom the file has as current: reactivated."""

    known: Known
    row: int


@dataclass
class Plan:
    organisation: Organisation
    rows: int = 0
    new: list[NewPerson] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    leavers: list[Leaver] = field(default_factory=list)
    returning: list[Returning] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new_departments: list[str] = field(default_factory=list)
    left_already: int = 0  # new rows whose end date has passed: not added
    file_problem: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def rows_with_problems(self) -> int:
        return len({problem.row for problem in self.problems})

    def summary(self) -> dict:
        """What the page shows, as JSON kept with the import."""
        return {
            "file_problem": self.file_problem,
            "counts": {
                "rows": self.rows,
                "new": len(self.new),
                "changed": len(self.changed),
                "unchanged": self.unchanged,
                "leavers": len(self.leavers),
                "returning": len(self.returning),
                "problems": len(self.problems),
                "rows_with_problems": self.rows_with_problems,
                "new_departments": len(self.new_departments),
                "left_already": self.left_already,
            },
            "new": [
                {
                    "row": person.row,
                    "number": person.number,
                    "name": f"{person.first_name} {person.last_name}",
                    "email": person.email,
                    "department": person.department,
                    "band": str(
                        Grade(person.grade).label if person.grade else Band(person.band).label
                    ),
                    "job_title": person.job_title,
                }
                for person in self.new
            ],
            "changed": [
                {
                    "row": change.row,
                    "profile": change.known.pk,
                    "number": change.known.number or change.fields.get("employee_number", ""),
                    "name": change.known.name,
                    "changes": [list(item) for item in change.shown],
                }
                for change in self.changed
            ],
            "leavers": [
                {
                    "row": leaver.row,
                    "profile": leaver.known.pk,
                    "number": leaver.known.number,
                    "name": leaver.known.name,
                    "reason": leaver.reason,
                }
                for leaver in self.leavers
            ],
            "returning": [
                {
                    "row": returner.row,
                    "profile": returner.known.pk,
                    "number": returner.known.number,
                    "name": returner.known.name,
                    "reason": _("Returning: deactivated here, current in the file"),
                }
                for returner in self.returning
            ],
            "problems": [
                {"row": p.row, "column": p.column, "message": p.message} for p in self.problems
            ],
            "new_departments": self.new_departments,
            "notes": self.notes,
        }


def _chunks(items: list, size: int = QUERY_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _day(value: datetime.date | None) -> str:
    return date_format(value, "j M Y") if value else NONE


def _text(value: str) -> str:
    return value or NONE


def _grade(value: str) -> str:
    return str(Grade(value).label) if value else NONE


# --- Reading each row ---------------------------------------------------------


def _read_row(number: int, cells: list[str], found: dict[str, int], headings: list[str]) -> Row:
    row = Row(number, {})

    def problem(key: str, message: str) -> None:
        row.problems.append(Problem(number, headings[found[key]], message))

    for key, index in found.items():
        column = BY_KEY[key]
        text = " ".join(cells[index].split()) if index < len(cells) else ""
        if not text:
            if column.required:
                problem(key, _("Enter the %(name)s") % {"name": str(column.label).lower()})
            continue
        if len(text) > column.max_length:
            problem(
                key,
                _("The %(name)s must be %(max)s characters or fewer")
                % {"name": str(column.label).lower(), "max": column.max_length},
            )
            continue
        if key == "email":
            text = text.lower()
            try:
                validate_email(text)
            except ValidationError:
                problem(key, _("Enter the work email in the correct format, like name@example.com"))
                continue
        elif key in ("start_date", "end_date"):
            day = values.date(text)
            if day is None:
                problem(
                    key,
                    _("The %(name)s must be a real date, like 31/03/2026")
                    % {"name": str(column.label).lower()},
                )
                continue
            row.cells[key] = day
            continue
        row.cells[key] = text
    if "grade" in row.cells:
        row.cells["band"] = values.band(row.cells["grade"])
    if "staff_group" in row.cells:
        row.cells["profession"] = values.profession(
            row.cells["staff_group"], row.cells.get("position", "")
        )
    if "grade" in row.cells:
        _read_grade(row, problem)
    start, end = row.cells.get("start_date"), row.cells.get("end_date")
    if start and end and end < start:
        problem(
            "end_date",
            _("The end date must be the same as or after the start date, %(start)s")
            % {"start": _day(start)},
        )
    return row


def _read_grade(row: Row, problem) -> None:
    """A doctor's grade ("FY1", "Medical & Dental: Consultant") makes the person a
    doctor unless the staff group says otherwise, which is an error in the grade."""
    grade = values.doctor_grade(row.cells["grade"])
    if not grade:
        return
    profession = row.cells.get("profession", Profession.OTHER)
    if profession == Profession.OTHER:
        row.cells["profession"] = profession = Profession.DOCTOR
    if profession != Profession.DOCTOR:
        problem(
            "grade",
            _(
                "%(grade)s is a doctor\u2019s grade, but the staff group is for a "
                "%(profession)s: check the grade or the staff group"
            )
            % {
                "grade": row.cells["grade"],
                "profession": str(Profession(profession).label).lower(),
            },
        )
        return
    row.cells["doctor_grade"] = grade


def _flag_repeats(
    rows: list[Row], key: str, message, headings, found, *, across_people: bool = False
) -> None:
    """A problem on every row whose `key` another row has too (case-insensitively); with
    `across_people`, only where those rows have different employee numbers (one person's
    second row is already told by its repeated number)."""
    seen: dict[str, list[Row]] = {}
    for row in rows:
        value = row.cells.get(key)
        if value:
            seen.setdefault(str(value).casefold(), []).append(row)
    for repeated in seen.values():
        people = {row.number.casefold() for row in repeated} if across_people else repeated
        if len(repeated) < 2 or len(people) < 2:
            continue
        for row in repeated:
            others = ", ".join(str(other.row) for other in repeated if other is not row)
            row.problems.append(
                Problem(row.row, headings[found[key]], message(row.cells[key], others))
            )


# --- Comparing with the organisation's staff ---------------------------------


def _known_staff(organisation: Organisation) -> list[Known]:
    rows = StaffProfile.objects.filter(organisation=organisation).values_list(
        "pk",
        "user_id",
        "employee_number",
        "user__email",
        "user__first_name",
        "user__last_name",
        "user__is_active",
        "band",
        "profession",
        "grade",
        "department_id",
        "job_title",
        "line_manager_id",
        "start_date",
    )
    return [Known(*row) for row in rows]


def _registered_elsewhere(organisation: Organisation, emails: list[str]) -> set[str]:
    """Which of these emails belong to someone not on this organisation's staff."""
    User = get_user_model()
    found: set[str] = set()
    for chunk in _chunks(emails):
        found.update(
            User.objects.annotate(lower_email=Lower("email"))
            .filter(lower_email__in=chunk)
            .exclude(profile__organisation=organisation)
            .values_list("lower_email", flat=True)
        )
    return found


def _department_name(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass
class _Context:
    organisation: Organisation
    today: datetime.date
    headings: list[str]
    found: dict[str, int]
    by_number: dict[str, Known]
    by_pk: dict[int, Known]
    departments: dict[str, Department]  # simplified name -> department
    department_names: dict[int, str]
    # Numbers the file gives people on the staff without one (matched by email).
    gaining: dict[str, Known] = field(default_factory=dict)

    def person_numbered(self, number: str) -> Known | None:
        """Who on the staff has, or is about to be given, this employee number."""
        return self.by_number.get(number.casefold()) or self.gaining.get(number.casefold())

    def heading(self, key: str) -> str:
        return self.headings[self.found[key]]


def plan_import(
    *,
    organisation: Organisation,
    text: str,
    mapping: dict[str, str],
    whole_organisation: bool,
    actor=None,
) -> Plan:
    """What importing `text` (the file, decoded) would change; nothing is written."""
    plan = Plan(organisation)
    try:
        table = read(text)
    except FileProblem as problem:
        plan.file_problem = problem.message
        return plan
    found, missing = locate(table.headings, mapping)
    if missing:
        plan.file_problem = _missing_columns_message(missing, mapping)
        return plan
    _plan_rows(plan, table, found, mapping, whole_organisation, actor)
    unused = [h for i, h in enumerate(table.headings) if h and i not in found.values()]
    if unused:
        plan.notes.append(
            _("These columns are not used: %(names)s") % {"names": ", ".join(unused[:20])}
        )
    return plan


def _missing_columns_message(missing, mapping) -> str:
    from .columns import heading_for

    names = ", ".join(f"“{heading_for(column, mapping)}”" for column in missing)
    return _(
        "The file has no column for %(details)s: it needs a column headed %(names)s. "
        "Check the file, or change the column names the import looks for"
    ) % {
        "details": ", ".join(str(column.label).lower() for column in missing),
        "names": names,
    }


def _plan_rows(plan: Plan, table: Table, found, mapping, whole_organisation, actor) -> None:
    organisation = plan.organisation
    rows = [_read_row(number, cells, found, table.headings) for number, cells in table.rows]
    plan.rows = len(rows)
    _flag_repeats(
        rows,
        "employee_number",
        lambda value, others: (
            _(
                "Employee number %(number)s is also on row %(rows)s: keep one row per person "
                "(their main assignment)"
            )
            % {"number": value, "rows": others}
        ),
        table.headings,
        found,
    )
    if "email" in found:
        _flag_repeats(
            rows,
            "email",
            lambda value, others: (
                _("The work email %(email)s is also on row %(rows)s: each person needs their own")
                % {"email": value, "rows": others}
            ),
            table.headings,
            found,
            across_people=True,
        )
    known = _known_staff(organisation)
    departments = {_department_name(d.name): d for d in organisation.departments.all()}
    context = _Context(
        organisation=organisation,
        today=today_in(organisation.time_zone),
        headings=table.headings,
        found=found,
        by_number={k.number.casefold(): k for k in known if k.number},
        by_pk={k.pk: k for k in known},
        departments=departments,
        department_names={d.pk: d.name for d in departments.values()},
    )
    by_email = {k.email.casefold(): k for k in known}
    matches: dict[int, Known | None] = {}  # row number -> the person it is (None: new)
    for row in rows:
        matches[row.row] = _match(row, context, by_email)
        person = matches[row.row]
        if person is not None and not person.number and not row.problems:
            context.gaining.setdefault(row.number.casefold(), person)
    new_emails = [
        row.cells["email"]
        for row in rows
        if matches[row.row] is None and not row.problems and row.cells.get("email")
    ]
    elsewhere = _registered_elsewhere(organisation, new_emails)
    for row in rows:
        if matches[row.row] is None and not row.problems:
            _check_new(row, context, elsewhere)
    _check_line_managers(rows, matches, context)
    for row in rows:
        if row.problems:
            plan.problems.extend(row.problems)
            continue
        person = matches[row.row]
        ended = row.cells.get("end_date")
        has_left = ended is not None and ended < context.today
        if person is None:
            if has_left:
                plan.left_already += 1
            else:
                plan.new.append(_new_person(row))
            continue
        if has_left:
            if person.is_active:
                plan.leavers.append(
                    Leaver(person, row.row, _("End date %(date)s") % {"date": _day(ended)})
                )
            continue
        if not person.is_active:
            plan.returning.append(Returning(person, row.row))
        change = _change(row, person, context)
        if change.fields:
            plan.changed.append(change)
        else:
            plan.unchanged += 1
    _plan_departments(plan, context)
    if whole_organisation:
        _plan_absent(plan, rows, known, actor)
    plan.problems.sort(key=lambda p: p.row)


def _match(row: Row, context: _Context, by_email: dict[str, Known]) -> Known | None:
    number = row.number
    if not number:
        return None
    person = context.by_number.get(number.casefold())
    if person is not None:
        return person
    email = row.cells.get("email")
    person = by_email.get(email) if email else None
    if person is None:
        return None
    if person.number:
        row.problems.append(
            Problem(
                row.row,
                context.heading("email"),
                _("This work email is %(name)s\u2019s, whose employee number is %(number)s")
                % {"name": person.name, "number": person.number},
            )
        )
        return None
    return person


def _check_new(row: Row, context: _Context, elsewhere: set[str]) -> None:
    email = row.cells.get("email")
    if not email:
        heading = context.heading("email") if "email" in context.found else _("Work email")
        row.problems.append(
            Problem(
                row.row,
                heading,
                _("Enter the work email: a new person needs one to sign in"),
            )
        )
    elif email in elsewhere:
        row.problems.append(
            Problem(
                row.row,
                context.heading("email"),
                _("Someone with this email address is already registered"),
            )
        )


def _check_line_managers(rows: list[Row], matches, context: _Context) -> None:
    """Each line manager is someone in the file or on the staff; not the person;
    not in a circle of managers; not someone who supervises them (the pairing rule,
    checked for all rows at once). A row whose manager is new in the file, on a row
    left out with errors, is left out too (and so on up the chain)."""
    if "line_manager" not in context.found:
        return
    heading = context.heading("line_manager")
    in_file: dict[str, Row] = {}
    for row in rows:
        if row.number:
            in_file.setdefault(row.number.casefold(), row)
    pairs: list[tuple[Row, Known, Known]] = []
    waiting: dict[int, list[Row]] = {}  # a new manager's row -> the rows they manage
    for row in rows:
        number = row.cells.get("line_manager")
        if not number or row.problems:
            continue
        if number.casefold() == row.number.casefold():
            row.problems.append(Problem(row.row, heading, str(OWN_LINE_MANAGER)))
            continue
        manager = context.person_numbered(number)
        manager_row = in_file.get(number.casefold())
        if manager is None and manager_row is None:
            row.problems.append(
                Problem(
                    row.row,
                    heading,
                    _("Nobody has employee number %(number)s in this file or at %(org)s")
                    % {"number": number, "org": context.organisation.name},
                )
            )
        elif manager is None and manager_row is not None:
            waiting.setdefault(manager_row.row, []).append(row)
        person = matches[row.row]
        if manager is not None and person is not None and manager.pk != person.line_manager_id:
            pairs.append((row, person, manager))
    _flag_circles(rows, matches, context, in_file)
    supervising = supervising_pairs(person.user_id for _row, person, _manager in pairs)
    for row, person, manager in pairs:
        if (manager.user_id, person.user_id) in supervising:
            row.problems.append(Problem(row.row, heading, supervising_refusal(manager.name)))
    left_out = [row for row in rows if row.problems and row.row in waiting]
    while left_out:
        manager_row = left_out.pop()
        for row in waiting.pop(manager_row.row, []):
            if row.problems:
                continue
            row.problems.append(
                Problem(
                    row.row,
                    heading,
                    _("The line manager\u2019s row (row %(row)s) has errors: fix that row first")
                    % {"row": manager_row.row},
                )
            )
            if row.row in waiting:
                left_out.append(row)


def _flag_circles(rows: list[Row], matches, context: _Context, in_file: dict[str, Row]) -> None:
    """A problem on each row whose line manager leads, manager by manager, back to the
    row's own person (A manages B, B manages A): nobody in such a circle has anyone
    above them. The staff's current line managers count where the file leaves them."""
    heading = context.heading("line_manager")

    def node(row: Row) -> tuple:
        person = matches[row.row]
        return ("staff", person.pk) if person else ("new", row.number.casefold())

    manager_of: dict[tuple, tuple] = {
        ("staff", k.pk): ("staff", k.line_manager_id)
        for k in context.by_pk.values()
        if k.line_manager_id
    }
    setting: dict[tuple, Row] = {}
    for row in rows:
        number = row.cells.get("line_manager")
        if not number or row.problems or number.casefold() == row.number.casefold():
            continue
        manager = context.person_numbered(number)
        manager_row = in_file.get(number.casefold())
        if manager is not None:
            manager_of[node(row)] = ("staff", manager.pk)
        elif manager_row is not None:
            manager_of[node(row)] = node(manager_row)
        else:
            continue
        setting[node(row)] = row
    done: set[tuple] = set()
    for start in setting:
        path: list[tuple] = []
        on_path: dict[tuple, int] = {}
        current: tuple | None = start
        while current is not None and current not in done and current not in on_path:
            on_path[current] = len(path)
            path.append(current)
            current = manager_of.get(current)
        done.update(path)
        if current is None or current not in on_path:
            continue
        circle = path[on_path[current] :]
        names = [_number_of(member, context, setting) for member in circle]
        chain = " \u2192 ".join([*names, names[0]])
        for member in circle:
            if member in setting:
                row = setting[member]
                row.problems.append(
                    Problem(
                        row.row,
                        heading,
                        _(
                            "Line managers go round in a circle (%(chain)s), so nobody in it "
                            "has a line manager above them: correct one of them"
                        )
                        % {"chain": chain},
                    )
                )


def _number_of(member: tuple, context: _Context, setting: dict[tuple, Row]) -> str:
    if member in setting:
        return setting[member].number
    known = context.by_pk.get(member[1])
    return (known.number or known.name) if known else str(member[1])


def _new_person(row: Row) -> NewPerson:
    cells = row.cells
    return NewPerson(
        row=row.row,
        number=row.number,
        first_name=cells["first_name"],
        last_name=cells["last_name"],
        email=cells["email"],
        job_title=cells.get("position", ""),
        band=cells.get("band", Band.OTHER),
        profession=cells.get("profession", Profession.OTHER),
        grade=cells.get("doctor_grade", ""),
        department=cells.get("department", ""),
        line_manager=cells.get("line_manager", ""),
        start_date=cells.get("start_date"),
    )


def _change(row: Row, person: Known, context: _Context) -> Change:
    cells = row.cells
    change = Change(row.row, person, {}, [])

    def differs(name: str, old, new, show=_text) -> None:
        """A change of `name` from `old` to `new`, said as `show` says each (only if it changes)."""
        if new is not None and old != new:
            change.fields[name] = new
            change.shown.append((str(DETAIL_LABELS.get(name, name)), show(old), show(new)))

    if not person.number:
        differs("employee_number", "", row.number)
    first, last = cells.get("first_name", person.first_name), cells.get("last_name")
    last = last or person.last_name
    if (first, last) != (person.first_name, person.last_name):
        change.fields["first_name"], change.fields["last_name"] = first, last
        change.shown.append((str(DETAIL_LABELS["name"]), person.name, f"{first} {last}"))
    differs("job_title", person.job_title, cells.get("position"))
    differs("band", person.band, cells.get("band"), lambda value: str(Band(value).label))
    differs(
        "profession",
        person.profession,
        cells.get("profession"),
        lambda value: str(Profession(value).label),
    )
    profession = cells.get("profession", person.profession)
    grade = cells.get("doctor_grade") if profession == Profession.DOCTOR else ""
    differs("grade", person.grade, grade, _grade)
    department = cells.get("department")
    current = context.department_names.get(person.department_id or 0, "")
    if department and _department_name(department) != _department_name(current):
        differs("department", current, department)
    manager_number = cells.get("line_manager")
    if manager_number:
        manager = context.person_numbered(manager_number)
        if manager is None or manager.pk != person.line_manager_id:
            old = context.by_pk.get(person.line_manager_id or 0)
            change.fields["line_manager"] = manager_number
            change.shown.append(
                (
                    str(DETAIL_LABELS["line_manager"]),
                    old.name if old else NONE,
                    f"{manager.name} ({manager_number})" if manager else manager_number,
                )
            )
    differs("start_date", person.start_date, cells.get("start_date"), _day)
    return change


def _plan_departments(plan: Plan, context: _Context) -> None:
    names: dict[str, str] = {}
    departments = [p.department for p in plan.new] + [
        c.fields["department"] for c in plan.changed if "department" in c.fields
    ]
    for name in departments:
        if name and _department_name(name) not in context.departments:
            names.setdefault(_department_name(name), name)
    plan.new_departments = sorted(names.values(), key=str.casefold)


def _plan_absent(plan: Plan, rows: list[Row], known: list[Known], actor) -> None:
    """Active people the whole-organisation file does not mention, by number or email."""
    numbers = {row.number.casefold() for row in rows if row.number}
    emails = {row.cells["email"] for row in rows if row.cells.get("email")}
    leaving = {leaver.known.pk for leaver in plan.leavers}
    for person in known:
        mentioned = (person.number and person.number.casefold() in numbers) or (
            person.email.casefold() in emails
        )
        if mentioned or not person.is_active or person.pk in leaving:
            continue
        if actor is not None and person.user_id == actor.pk:
            plan.notes.append(
                _(
                    "You are not in the file, but you are not deactivated: "
                    "nobody can deactivate themselves"
                )
            )
            continue
        plan.leavers.append(Leaver(person, None, _("Not in the file")))
