"""The backup and the restore drill, run for real against this test's database.

`scripts/backup` dumps the database (pg_dump on PostgreSQL, SQLite's backup API
on SQLite) and tars the uploaded files; `scripts/restore-drill` restores them
into a database of its own, runs `manage.py check_restore` and drops it. The
data is committed first (transaction=True) so that pg_dump, another process,
sees it.
"""

import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from peergroups.models import Resource
from supervision.models import Agreement

from ..factories import AgreementFactory, OrganisationFactory

ROOT = Path(__file__).resolve().parents[2]
TEST_KEY = "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE="  # settings.test's
OTHER_KEY = "b3RoZXItZmllbGQtZW5jcnlwdGlvbi1rZXktMTIzNCE="


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def run(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own scripts
        [str(ROOT / "scripts" / script), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def environment(tmp_path, settings):
    """The app's environment as the scripts see it: this test's database and media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        # settings.local, so that the keys come from the environment as in production.
        "DJANGO_SETTINGS_MODULE": "supervision_site.settings.local",
        "FIELD_ENCRYPTION_KEYS": TEST_KEY,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": settings.MEDIA_ROOT,
        "BACKUP_DIR": str(tmp_path / "backups"),
    }


@pytest.fixture
def backed_up(environment):
    """A trust with confidential text and an uploaded file, and a backup of it."""
    agreement = AgreementFactory(end_reason="Moving to the community team")
    Resource.objects.create(
        organisation=OrganisationFactory(),
        title="After an incident: a leaflet",
        file=SimpleUploadedFile("leaflet.pdf", b"%PDF-1.4 a leaflet"),
    )
    result = run("backup", env=environment)
    assert result.returncode == 0, result.stdout + result.stderr
    (folder,) = Path(environment["BACKUP_DIR"]).glob("supervision-*")
    return folder, agreement


def drill_databases() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE 'restore_drill_%%'")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_the_database_the_files_and_the_key_fingerprints(backed_up):
    folder, _ = backed_up
    dump = "database.sqlite3" if connection.vendor == "sqlite" else "database.pgdump"
    assert (folder / dump).stat().st_size > 0
    with tarfile.open(folder / "media.tar.gz") as archive:
        assert any(name.endswith("leaflet.pdf") for name in archive.getnames())
    manifest = (folder / "MANIFEST").read_text()
    assert "key " in manifest
    assert TEST_KEY not in manifest


@pytest.mark.django_db(transaction=True)
def test_the_drill_restores_a_backup_and_finds_it_whole(backed_up, environment):
    before = drill_databases() if connection.vendor == "postgresql" else set()
    result = run("restore-drill", env=environment)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # Three default agreement texts and the reason for ending, at least.
    decrypted = int(output.split("Confidential text: ")[1].split()[0])
    assert decrypted >= 4
    assert "Audit trail: UPDATE and DELETE refused by the database." in output
    assert "Uploaded files: all 1 present in MEDIA_ROOT." in output
    assert "Restore drill passed." in output
    if connection.vendor == "postgresql":
        assert "Dropped the drill database" in output
        assert drill_databases() == before


@pytest.mark.django_db(transaction=True)
def test_the_drill_fails_when_the_keys_are_not_the_backups(backed_up, environment):
    result = run("restore-drill", env={**environment, "FIELD_ENCRYPTION_KEYS": OTHER_KEY})
    assert result.returncode != 0
    assert "none of the keys this backup was taken with" in result.stderr
    assert "could not be decrypted with any key in FIELD_ENCRYPTION_KEYS" in result.stderr
    assert "Restore drill FAILED." in result.stdout


@pytest.mark.django_db(transaction=True)
def test_the_drill_fails_when_the_uploaded_files_are_missing(backed_up, environment):
    folder, _ = backed_up
    with tarfile.open(folder / "media.tar.gz", "w:gz"):
        pass  # an archive with nothing in it
    result = run("restore-drill", str(folder), env=environment)
    assert result.returncode != 0
    assert "1 uploaded file(s) named in the database are missing from MEDIA_ROOT" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_the_drill_leaves_the_backup_and_the_live_database_alone(backed_up, environment):
    folder, agreement = backed_up
    copy = folder.with_name("copy")
    shutil.copytree(folder, copy)
    assert run("restore-drill", str(folder), env=environment).returncode == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in copy.iterdir())
    assert Agreement.objects.get(pk=agreement.pk).end_reason == "Moving to the community team"


# --- check_restore on its own ---------------------------------------------------


@pytest.mark.django_db
def test_check_restore_refuses_a_database_whose_audit_triggers_are_gone():
    drop = {
        "postgresql": ["DROP TRIGGER audit_entry_append_only ON audit_auditentry"],
        "sqlite": ["DROP TRIGGER audit_entry_no_update", "DROP TRIGGER audit_entry_no_delete"],
    }[connection.vendor]
    call_command("check_restore", stdout=io.StringIO())  # holds to begin with
    with transaction.atomic():
        with connection.cursor() as cursor:
            for statement in drop:
                cursor.execute(statement)
        with pytest.raises(CommandError, match="not append-only: UPDATE and DELETE"):
            call_command("check_restore")
        transaction.set_rollback(True)


def _archive(path: Path, *members: tuple[tarfile.TarInfo, bytes | None]) -> Path:
    with tarfile.open(path, "w") as archive:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _member(name: str, kind=tarfile.REGTYPE, mode=0o644, link="") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.linkname = kind, mode, link
    info.uid = info.gid = 4242
    return info


@pytest.mark.parametrize("checked_here", [True, False], ids=["extract_checked", "extract_data"])
def test_the_uploaded_files_are_extracted_as_data_only(tmp_path, checked_here):
    # supervision_site.backup.extract_data: Python's "data" filter where it has one
    # (3.11.4+), otherwise extract_checked: the first on any Python, and the one
    # this Python takes.
    from supervision_site.backup import extract_checked, extract_data

    extract = extract_checked if checked_here else extract_data
    good = _archive(
        tmp_path / "good.tar",
        (_member("resources", tarfile.DIRTYPE, 0o777), None),
        (_member("resources/leaflet.pdf", mode=0o6777), b"%PDF"),
        (_member("resources/notes.txt", mode=0o444), b"notes"),
    )
    out = tmp_path / "out"
    out.mkdir()
    with tarfile.open(good) as archive:
        extract(archive, out)
    leaflet, notes = out / "resources" / "leaflet.pdf", out / "resources" / "notes.txt"
    assert (leaflet.read_bytes(), notes.read_bytes()) == (b"%PDF", b"notes")
    assert leaflet.stat().st_mode & 0o7777 == 0o755, "no setuid, setgid or group/other write"
    assert notes.stat().st_mode & 0o7777 == 0o644, "the owner may write; not executable"
    assert leaflet.stat().st_uid == os.getuid(), "not the archive's owner"

    for bad in (
        _member("../outside.txt"),
        _member("/etc/absolute.txt"),
        _member("resources/../../outside.txt"),
        _member("link", tarfile.SYMTYPE, link="/etc/passwd"),
        _member("hard", tarfile.LNKTYPE, link="/etc/passwd"),
        _member("device", tarfile.CHRTYPE),
    ):
        archive_path = _archive(
            tmp_path / "bad.tar",
            (_member("first.txt"), b"first"),
            (bad, b"x" if bad.isfile() else None),
        )
        target = tmp_path / f"bad-{bad.name.replace('/', '_')}"
        target.mkdir()
        with tarfile.open(archive_path) as archive:
            if bad.name.startswith("/") and not checked_here and hasattr(tarfile, "data_filter"):
                extract(archive, target)  # Python's filter takes the leading / off
                assert (target / "etc" / "absolute.txt").read_bytes() == b"x"
            else:
                with pytest.raises(tarfile.TarError):
                    extract(archive, target)
        assert not (tmp_path / "outside.txt").exists()
        assert not Path("/etc/absolute.txt").exists()
        if checked_here:  # every member is checked before any is written
            assert list(target.iterdir()) == []
