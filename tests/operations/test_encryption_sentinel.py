"""A database restored with the wrong FIELD_ENCRYPTION_KEYS refuses to start, naming why.

The sentinel is written with key A; every way a process starts (the system
check that `migrate` and `check --database` run, `manage.py
check_encryption_keys`, the web server's WSGI module, the Celery worker) is
then asked with key B alone (refused), and with A, or B with A after it (fine).
"""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection

from feedback.models import WellbeingCheckIn
from operations.checks import check_encryption_keys
from operations.models import EncryptionSentinel
from operations.sentinel import (
    SENTINEL_TEXT,
    EncryptionKeysMismatch,
    keys_problem,
    refuse_to_start_with_wrong_keys,
)
from supervision_site.celery import worker_command
from supervision_site.encryption import decrypt_str
from tests.factories import OrganisationFactory, StaffProfileFactory

ROOT = Path(__file__).resolve().parents[2]
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
REFUSAL = "FIELD_ENCRYPTION_KEYS cannot decrypt this database's data"

pytestmark = pytest.mark.django_db


@pytest.fixture
def written_with_key_a(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    EncryptionSentinel.objects.all().delete()
    assert keys_problem() is None  # writes it, with key A
    assert EncryptionSentinel.objects.count() == 1
    return settings


def test_the_migration_wrote_a_sentinel_the_test_key_opens():
    # Written by operations/migrations/0002 when the test database was made.
    assert decrypt_str(EncryptionSentinel.objects.get().token) == SENTINEL_TEXT


def test_another_key_is_refused_with_the_problem_named(written_with_key_a):
    written_with_key_a.FIELD_ENCRYPTION_KEYS = [KEY_B]
    problem = keys_problem()
    assert problem is not None
    assert problem.startswith(REFUSAL)
    with pytest.raises(EncryptionKeysMismatch, match=REFUSAL):
        refuse_to_start_with_wrong_keys("The web server")


@pytest.mark.parametrize("keys", [[KEY_A], [KEY_B, KEY_A]], ids=["same key", "older key kept"])
def test_the_right_key_or_it_kept_as_an_older_one_starts(written_with_key_a, keys):
    written_with_key_a.FIELD_ENCRYPTION_KEYS = keys
    assert keys_problem() is None
    refuse_to_start_with_wrong_keys("The web server")  # does not raise


def test_the_system_check_runs_with_a_database_and_names_the_problem(written_with_key_a):
    written_with_key_a.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert check_encryption_keys(databases=None) == []  # not a database check run
    [error] = check_encryption_keys(databases=["default"])
    assert error.id == "operations.E001"
    assert error.msg.startswith(REFUSAL)
    with pytest.raises(SystemCheckError, match=REFUSAL):
        call_command("check", databases=["default"], stdout=StringIO(), stderr=StringIO())


def test_the_command_exits_with_the_problem(written_with_key_a):
    out = StringIO()
    call_command("check_encryption_keys", stdout=out)
    assert "open this database's data" in out.getvalue()
    written_with_key_a.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(CommandError, match=REFUSAL):
        call_command("check_encryption_keys")


def test_no_sentinel_is_written_over_data_that_the_keys_cannot_open(written_with_key_a):
    # Data written with key A (a check-in's comment stands for any confidential text).
    organisation = OrganisationFactory()
    user = StaffProfileFactory(organisation=organisation).user
    WellbeingCheckIn.objects.create(
        author=user, organisation=organisation, feeling=3, comment="Tired"
    )
    # A restore of a dump older than the sentinel, with key B only.
    EncryptionSentinel.objects.all().delete()
    written_with_key_a.FIELD_ENCRYPTION_KEYS = [KEY_B]
    problem = keys_problem()
    assert problem is not None
    assert problem.startswith(REFUSAL)
    assert "feedback.WellbeingCheckIn.comment" in problem
    assert not EncryptionSentinel.objects.exists()


def test_rotating_the_keys_rotates_the_sentinel_so_the_old_key_can_go(written_with_key_a):
    written_with_key_a.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "Encryption key sentinel: re-encrypted" in out.getvalue()
    written_with_key_a.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert keys_problem() is None


# --- real processes -----------------------------------------------------------------


def _process_env(keys: str) -> dict[str, str]:
    """The environment of a process started against this test's database with these keys."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.operations.keys_from_environment",
        "TEST_DATABASE_NAME": connection.settings_dict["NAME"],
        "FIELD_ENCRYPTION_KEYS": keys,
    }


@pytest.fixture
def committed_with_key_a(transactional_db, settings):
    """The sentinel written with key A and committed, for other processes to read."""
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    EncryptionSentinel.objects.all().delete()
    assert keys_problem() is None


def test_the_web_server_refuses_to_load_with_another_key(committed_with_key_a):
    load = [sys.executable, "-c", "import supervision_site.wsgi"]
    refused = subprocess.run(  # noqa: S603 - our own interpreter and code
        load, env=_process_env(KEY_B), cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0
    assert REFUSAL in refused.stderr
    fine = subprocess.run(  # noqa: S603 - our own interpreter and code
        load,
        env=_process_env(f"{KEY_B},{KEY_A}"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert fine.returncode == 0, fine.stderr


@pytest.mark.worker
def test_the_celery_worker_refuses_to_start_with_another_key(committed_with_key_a):
    worker = subprocess.run(  # noqa: S603 - our own interpreter and code
        worker_command("--pool=solo", "--loglevel=INFO"),
        env=_process_env(KEY_B),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert worker.returncode != 0
    assert REFUSAL in worker.stdout + worker.stderr
