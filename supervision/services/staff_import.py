"""ESR imports: check a file (the dry run), then apply it in the background.

Checking keeps the file's text and what the dry run found; applying is queued
to a Celery task (`supervision.tasks.apply_staff_import`), which recomputes
the plan against the staff as they are by then and applies it in batches,
saving its progress after each so the page can show it. The employee number
is the key, so applying a file again, or a task run twice, changes nothing
more. Once applied, the file's text and the names in the dry run are dropped;
the counts stay, and every change is in the audit log under its person.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from kernel.models import Department, Organisation, StaffProfile
from kernel.queueing import enqueue_after_commit

from ..models import StaffImport, StaffImportMapping
from ..staff_import.columns import COLUMNS
from ..staff_import.plan import Plan, plan_import
from ..staff_import.reading import FileProblem, decode
from .organisations import department_create
from .people import (
    NewStaff,
    StaffChange,
    staff_add_many,
    staff_deactivate,
    staff_invitations_send,
    staff_reactivate,
    staff_update_many,
)

logger = logging.getLogger(__name__)

BATCH = 1000  # people per transaction while applying; progress is saved after each


def staff_import_columns(organisation: Organisation) -> dict[str, str]:
    """The organisation's saved column headings ({} until it saves some)."""
    mapping = StaffImportMapping.objects.filter(organisation=organisation).first()
    return dict(mapping.columns) if mapping else {}


@transaction.atomic
def staff_import_columns_save(
    *, actor, organisation: Organisation, columns: dict[str, str]
) -> StaffImportMapping:
    """Save which heading holds which detail; a blank heading means the usual ESR ones."""
    known = {column.key for column in COLUMNS}
    cleaned = {key: value.strip() for key, value in columns.items() if key in known and value}
    mapping, _created = StaffImportMapping.objects.update_or_create(
        organisation=organisation, defaults={"columns": cleaned}
    )
    audit_log(
        actor=actor,
        action="staff_import.columns_saved",
        target=mapping,
        organisation_id=organisation.pk,
        summary="Changed the column names of the ESR import",
        details={"columns": cleaned},
    )
    return mapping


@transaction.atomic
def staff_import_check(
    *, actor, organisation: Organisation, file_name: str, raw: bytes, whole_organisation: bool
) -> StaffImport:
    """Read an uploaded file and work out what importing it would change (nothing is changed).

    An older check of the organisation that was never applied is dropped: only
    the latest file can be applied.
    """
    columns = staff_import_columns(organisation)
    try:
        text = decode(raw)
    except FileProblem as problem:
        text, plan = "", Plan(organisation, file_problem=problem.message)
    else:
        plan = plan_import(
            organisation=organisation,
            text=text,
            mapping=columns,
            whole_organisation=whole_organisation,
            actor=actor,
        )
    StaffImport.objects.filter(
        organisation=organisation, status=StaffImport.Status.CHECKED
    ).delete()
    staff_import = StaffImport.objects.create(
        organisation=organisation,
        uploaded_by=actor,
        file_name=file_name[:255],
        whole_organisation=whole_organisation,
        columns=columns,
        content="" if plan.file_problem else text,
        plan=plan.summary(),
    )
    audit_log(
        actor=actor,
        action="staff_import.checked",
        target=staff_import,
        organisation_id=organisation.pk,
        summary=f"Checked an ESR file of {plan.rows} rows",
        details={k: v for k, v in plan.summary()["counts"].items() if v},
    )
    return staff_import


@transaction.atomic
def staff_import_apply(*, actor, staff_import: StaffImport, invite_new: bool) -> StaffImport:
    """Queue a checked import to be applied in the background."""
    from ..tasks import apply_staff_import

    locked = StaffImport.objects.select_for_update().get(pk=staff_import.pk)
    if locked.status not in (StaffImport.Status.CHECKED, StaffImport.Status.FAILED):
        raise ValidationError(_("This file has already been applied."))
    if not locked.content:
        raise ValidationError(_("This file could not be read, so there is nothing to apply."))
    locked.status = StaffImport.Status.QUEUED
    locked.applied_by = actor
    locked.applied_at = timezone.now()
    locked.invite_new = invite_new
    locked.steps_done = 0
    locked.save()
    audit_log(
        actor=actor,
        action="staff_import.started",
        target=locked,
        organisation_id=locked.organisation_id,
        summary=f"Started applying the ESR file {locked.file_name}",
        details={"invite_new": invite_new},
    )
    # Published after the commit; a broker that is down does not fail the click (the
    # task is kept and published by beat once it answers).
    enqueue_after_commit(apply_staff_import, locked.pk)
    return locked


def staff_import_run(*, staff_import_id: int) -> None:
    """Apply a queued import (the Celery task's body). Safe to run twice."""
    with transaction.atomic():
        staff_import = (
            StaffImport.objects.select_for_update(of=("self",))
            .select_related("organisation", "applied_by")
            .filter(pk=staff_import_id)
            .first()
        )
        if staff_import is None or not staff_import.is_running:
            return
        staff_import.status = StaffImport.Status.APPLYING
        staff_import.save(update_fields=["status"])
    try:
        result = _apply(staff_import)
    except Exception:
        logger.exception("The ESR import %s failed", staff_import_id)
        StaffImport.objects.filter(pk=staff_import_id).update(
            status=StaffImport.Status.FAILED, finished_at=timezone.now()
        )
        return
    with transaction.atomic():
        counts = staff_import.plan.get("counts", {})
        StaffImport.objects.filter(pk=staff_import_id).update(
            status=StaffImport.Status.APPLIED,
            finished_at=timezone.now(),
            result=result,
            content="",
            plan={"counts": counts},
            steps_done=staff_import.steps_total,
        )
        audit_log(
            actor=staff_import.applied_by,
            action="staff_import.applied",
            target=staff_import,
            organisation_id=staff_import.organisation_id,
            summary=f"Applied the ESR file {staff_import.file_name}",
            details=result,
        )


def _progress(staff_import: StaffImport, done: int) -> None:
    staff_import.steps_done = done
    StaffImport.objects.filter(pk=staff_import.pk).update(steps_done=done)


def _apply(staff_import: StaffImport) -> dict[str, int]:
    organisation, actor = staff_import.organisation, staff_import.applied_by
    plan = plan_import(
        organisation=organisation,
        text=staff_import.content,
        mapping=staff_import.columns,
        whole_organisation=staff_import.whole_organisation,
        actor=actor,
    )
    if plan.file_problem:
        raise ValueError(plan.file_problem)
    staff_import.steps_total = (
        len(plan.new_departments)
        + len(plan.new)
        + len(plan.returning)
        + len(plan.changed)
        + len(plan.leavers)
    )
    StaffImport.objects.filter(pk=staff_import.pk).update(steps_total=staff_import.steps_total)
    _progress(staff_import, 0)
    source = f"ESR import {staff_import.pk}"
    with transaction.atomic():
        for name in plan.new_departments:
            department_create(
                actor=actor, organisation=organisation, name=name, kind=Department.Kind.OTHER
            )
    departments = {" ".join(d.name.split()).casefold(): d for d in organisation.departments.all()}
    _progress(staff_import, len(plan.new_departments))

    added: list[StaffProfile] = []
    for start in range(0, len(plan.new), BATCH):
        batch = plan.new[start : start + BATCH]
        people = [
            NewStaff(
                email=person.email,
                first_name=person.first_name,
                last_name=person.last_name,
                profession=person.profession,
                band=person.band,
                grade=person.grade,
                employee_number=person.number,
                department_id=_department_id(departments, person.department),
                job_title=person.job_title,
                start_date=person.start_date,
            )
            for person in batch
        ]
        added += staff_add_many(
            actor=actor, organisation=organisation, people=people, source=source
        )
        _progress(staff_import, staff_import.steps_done + len(batch))

    numbers = dict(
        (number.casefold(), pk)
        for number, pk in StaffProfile.objects.filter(organisation=organisation)
        .exclude(employee_number="")
        .values_list("employee_number", "pk")
    )
    # People gaining their number in this file can be line managers in it too.
    for change in plan.changed:
        if "employee_number" in change.fields:
            numbers.setdefault(change.fields["employee_number"].casefold(), change.known.pk)
    _line_managers_of_new(plan, added, numbers)
    reactivated = _apply_returning(staff_import, plan)
    changed = _apply_changes(staff_import, plan, departments, numbers)
    deactivated = _apply_leavers(staff_import, plan)
    invited = 0
    if staff_import.invite_new and added:
        invited = staff_invitations_send(actor=actor, organisation=organisation, profiles=added)
    return {
        "added": len(added),
        "changed": changed,
        "deactivated": deactivated,
        "reactivated": reactivated,
        "invited": invited,
        "departments_added": len(plan.new_departments),
        "rows_left_out": plan.rows_with_problems,
    }


def _department_id(departments: dict[str, Department], name: str) -> int | None:
    department = departments.get(" ".join(name.split()).casefold()) if name else None
    return department.pk if department else None


def _line_managers_of_new(plan: Plan, added: list[StaffProfile], numbers: dict[str, int]) -> None:
    """New people's line managers, once everyone new has a profile to point at."""
    managed = []
    for person, profile in zip(plan.new, added, strict=True):
        manager_id = numbers.get(person.line_manager.casefold()) if person.line_manager else None
        if manager_id and manager_id != profile.pk:
            profile.line_manager_id = manager_id
            managed.append(profile)
    with transaction.atomic():
        StaffProfile.objects.bulk_update(managed, ["line_manager"], batch_size=BATCH)


def _apply_changes(staff_import, plan: Plan, departments, numbers: dict[str, int]) -> int:
    organisation, actor = staff_import.organisation, staff_import.applied_by
    changed = 0
    for start in range(0, len(plan.changed), BATCH):
        batch = plan.changed[start : start + BATCH]
        profiles = StaffProfile.objects.select_related(
            "user", "department", "line_manager"
        ).in_bulk([change.known.pk for change in batch])
        changes = []
        for change in batch:
            profile = profiles[change.known.pk]
            fields = dict(change.fields)
            first = fields.pop("first_name", profile.user.first_name)
            last = fields.pop("last_name", profile.user.last_name)
            if "department" in fields:
                fields["department"] = departments.get(
                    " ".join(fields["department"].split()).casefold()
                )
            if "line_manager" in fields:
                manager_id = numbers.get(fields["line_manager"].casefold())
                if manager_id is None or manager_id == profile.pk:
                    del fields["line_manager"]
                else:
                    fields["line_manager"] = StaffProfile(pk=manager_id)
            changes.append(StaffChange(profile, first, last, fields))
        with transaction.atomic():
            changed += staff_update_many(actor=actor, organisation=organisation, changes=changes)
        _progress(staff_import, staff_import.steps_done + len(batch))
    return changed


def _apply_returning(staff_import, plan: Plan) -> int:
    """Leavers back in the file go through the one way anybody is reactivated."""
    profiles = StaffProfile.objects.select_related("user").in_bulk(
        [returner.known.pk for returner in plan.returning]
    )
    done = 0
    for start in range(0, len(plan.returning), BATCH):
        batch = plan.returning[start : start + BATCH]
        with transaction.atomic():
            for returner in batch:
                try:
                    staff_reactivate(
                        actor=staff_import.applied_by, profile=profiles[returner.known.pk]
                    )
                except ValidationError:
                    continue  # anonymised since the dry run: they come back as someone new
                done += 1
        _progress(staff_import, staff_import.steps_done + len(batch))
    return done


def _apply_leavers(staff_import, plan: Plan) -> int:
    """Leavers go through the one way anybody is deactivated: staff_deactivate."""
    profiles = StaffProfile.objects.select_related("user").in_bulk(
        [leaver.known.pk for leaver in plan.leavers]
    )
    done = 0
    for leaver in plan.leavers:
        profile = profiles[leaver.known.pk]
        try:
            staff_deactivate(
                actor=staff_import.applied_by,
                profile=profile,
                reason=f"ESR import: {leaver.reason}",
            )
        except ValidationError:
            continue  # the admin applying it, who cannot deactivate themselves
        done += 1
        if done % 50 == 0:
            _progress(staff_import, staff_import.steps_done + 50)
    _progress(staff_import, staff_import.steps_total)
    return done
