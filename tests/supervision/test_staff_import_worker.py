"""Issue 18: an ESR import is applied by a real Celery worker on the real broker,
and the page shows how far it has got."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from kernel.models import StaffProfile
from supervision.models import StaffImport
from supervision.services.staff_import import staff_import_apply, staff_import_check
from supervision_site.celery import app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

HEADINGS = "Employee Number,First Name,Last Name,Work Email,Grade"


def _wait_for(condition, timeout=60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_a_real_worker_applies_the_import_once(client, programme_admin, organisation):
    rows = [f"{30000000 + n},First{n},Last{n},p{n}@westfield.example,Band 5" for n in range(300)]
    raw = "\n".join([HEADINGS, *rows]).encode()
    checked = staff_import_check(
        actor=programme_admin,
        organisation=organisation,
        file_name="esr.csv",
        raw=raw,
        whole_organisation=False,
    )
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        staff_import_apply(actor=programme_admin, staff_import=checked, invite_new=False)
        from supervision.tasks import apply_staff_import

        apply_staff_import.delay(checked.pk)  # delivered twice: the second finds it done

        def applied():
            checked.refresh_from_db()
            return checked.status == StaffImport.Status.APPLIED

        assert _wait_for(applied)
        time.sleep(1)  # the second delivery
    assert checked.result["added"] == 300
    assert checked.steps_done == checked.steps_total == 300
    assert StaffProfile.objects.filter(employee_number__startswith="3000").count() == 300
    client.force_login(programme_admin)
    page = client.get(reverse("supervision:staff_import_detail", args=[checked.pk]))
    assert "People added" in page.content.decode()
