from django.db import transaction

from audit.services import audit_log
from kernel.models import Department, Organisation


@transaction.atomic
def department_create(*, actor, organisation: Organisation, name: str, kind: str) -> Department:
    department = Department(organisation=organisation, name=name.strip(), kind=kind)
    department.full_clean()
    department.save()
    audit_log(
        actor=actor,
        action="department.added",
        target=department,
        organisation_id=organisation.pk,
        summary=f"Added department {department.name}",
    )
    return department


@transaction.atomic
def department_update(*, actor, department: Department, name: str, kind: str) -> Department:
    department.name = name.strip()
    department.kind = kind
    department.full_clean()
    department.save()
    audit_log(
        actor=actor,
        action="department.updated",
        target=department,
        organisation_id=department.organisation_id,
        summary=f"Updated department {department.name}",
    )
    return department
