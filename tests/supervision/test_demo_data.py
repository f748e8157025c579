import datetime
import inspect
import io
import re
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from kernel.models import Organisation, Role, RoleGrant, StaffProfile
from nonprod.history import generate_demo_history
from notifications.models import Notification

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


README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_counts_the_demo_staff_the_demo_makes():
    call_command("demo_data", force=True, stdout=io.StringIO())
    text = " ".join(README.read_text().split())
    demo = re.search(r"nine departments and (\d+) staff", text)
    history = re.search(
        r"(\d+) more staff \((\d+) at Westfield, (\d+) at Northgate\), so (\d+) in all", text
    )
    assert demo, "README no longer says how many staff the demo has"
    assert history, "README no longer says how many staff the history adds"
    assert int(demo.group(1)) == StaffProfile.objects.count()
    defaults = inspect.signature(generate_demo_history).parameters
    westfield, northgate = (defaults[f"{o}_staff"].default for o in ("westfield", "northgate"))
    more, at_westfield, at_northgate, in_all = (int(n) for n in history.groups())
    assert (more, at_westfield, at_northgate) == (westfield + northgate, westfield, northgate)
    assert in_all == StaffProfile.objects.count() + more


def test_the_demo_leaves_no_email_for_a_newcomers_first_run(mailoutbox):
    """Loading the demo makes notifications due at once (bookings, places in groups,
    this month's wellbeing check-in for everyone). They are delivered in the app
    then, without email, so the worker's first dispatch finds nothing to send:
    loaded at 22:30, in quiet hours, the prompts do not wait for the morning either."""
    evening = datetime.datetime(2026, 12, 5, 22, 30, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    with time_machine.travel(evening, tick=True):
        call_command("demo_data", force=True, stdout=io.StringIO())
    assert Notification.objects.filter(state=Notification.State.SENT).count() >= 40
    assert Notification.objects.filter(kind="wellbeing_prompt", state="sent").count() >= 40
    assert not Notification.objects.filter(
        state__in=[Notification.State.PENDING, Notification.State.SENDING],
        due_at__lte=evening,
    ).exists()
    assert mailoutbox == []
    # Reminders before upcoming sessions stay in the outbox for their time.
    assert Notification.objects.filter(state=Notification.State.PENDING).exists()


def test_the_demo_band_8c_psychologist_is_not_sent_to_the_pna_route():
    """Issue 18: Ruth Ellison, a Band 8c psychologist, is told where psychologists'
    supervision comes from by the Band 7 and 8 nurses' programme, not the PNA route."""
    from kernel.models import Programme
    from supervision.allowances import eligibility

    call_command("demo_data", force=True, stdout=io.StringIO())
    ruth = StaffProfile.objects.get(user__first_name="Ruth", user__last_name="Ellison")
    assert (ruth.profession, ruth.band) == ("psychologist", "8c")
    senior = Programme.objects.get(name="Band 7 and 8 one-to-one supervision")
    allowed = eligibility(senior, ruth)
    assert "Psychologists" in allowed.reason
    assert "PNA" not in allowed.reason
    assert allowed.alternative is None
