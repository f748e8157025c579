import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kernel.models import Organisation, Role, RoleGrant, StaffProfile

pytestmark = pytest.mark.django_db


def test_demo_data_builds_a_realistic_organisation_and_is_idempotent(capsys):
    call_command("demo_data", force=True)
    counts = (Organisation.objects.count(), StaffProfile.objects.count(), RoleGrant.objects.count())
    call_command("demo_data", force=True)
    assert (
        Organisation.objects.count(),
        StaffProfile.objects.count(),
        RoleGrant.objects.count(),
    ) == counts

    assert counts[0] >= 2
    assert counts[1] >= 40
    bands = set(StaffProfile.objects.values_list("band", flat=True))
    assert {"5", "6", "7", "8a"} <= bands
    for role in Role:
        assert RoleGrant.objects.filter(role=role).exists(), role
    facilitators = RoleGrant.objects.filter(role=Role.FACILITATOR, organisation__slug="westfield")
    assert facilitators.count() >= 2  # seed 003: groups run in pairs
    output = capsys.readouterr().out
    assert "Password for every demo login" in output
    for label in ("Supervisor", "Programme admin", "Wellbeing lead", "Peer supporter"):
        assert label in output


def test_demo_data_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_data")
