"""Backups, and the drill that proves one restores: `make backup`, `make restore-drill`.

A backup is one folder, BACKUP_DIR/supervision-<UTC time>/, holding what must
be restored together:

- database.pgdump: `pg_dump --format=custom` of the PostgreSQL database
  (triggers, functions and all); or database.sqlite3, a consistent copy taken
  with SQLite's online backup API;
- media.tar.gz: every uploaded file (MEDIA_ROOT);
- MANIFEST: when, from which database, and the fingerprints of the
  FIELD_ENCRYPTION_KEYS in use (never the keys: they belong in the secret
  store, and a backup that carried them would make its ciphertext pointless).

The drill restores the newest backup (or the one named) into a database of its
own on the same server (or a copy of the SQLite file), unpacks the media beside
it, runs `manage.py check_restore` against the pair with this environment's
keys, and drops them again, whatever happened. README, "Backup and restore".

    python -m supervision_site.backup backup [BACKUP_DIR]
    python -m supervision_site.backup restore-drill [BACKUP]
"""

from __future__ import annotations

import datetime
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PG_DUMP_FILE = "database.pgdump"
SQLITE_FILE = "database.sqlite3"
MEDIA_FILE = "media.tar.gz"
MANIFEST_FILE = "MANIFEST"


def _settings():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supervision_site.settings.local")
    from django.conf import settings

    return settings


def backup_root() -> Path:
    return Path(os.environ.get("BACKUP_DIR") or ROOT / "var" / "backups")


def _pg_tool(name: str) -> str:
    directory = os.environ.get("PG_BIN", "")
    return str(Path(directory) / name) if directory else name


def _pg_environment(database: dict) -> dict[str, str]:
    """libpq's variables for the server of `database` (keeps the password off argv)."""
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if database.get(key):
            env[variable] = str(database[key])
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return env


def key_fingerprints(keys) -> list[str]:
    """A short SHA-256 of each key: enough to tell keys apart, nothing to decrypt with."""
    return [hashlib.sha256(key.strip().encode()).hexdigest()[:16] for key in keys]


def _run(command: list[str], **kwargs) -> None:
    result = subprocess.run(command, check=False, **kwargs)  # noqa: S603 - our own arguments
    if result.returncode:
        raise SystemExit(f"{Path(command[0]).name} failed (exit status {result.returncode}).")


# --- backup -------------------------------------------------------------------


def backup(root: Path) -> Path:
    """Write a new backup folder under `root` and return it."""
    settings = _settings()
    database = settings.DATABASES["default"]
    vendor = "sqlite" if database["ENGINE"].endswith("sqlite3") else "postgresql"
    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    final = root / f"supervision-{stamp}"
    partial = root / f".{final.name}.partial"  # renamed only when complete
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)

    if vendor == "postgresql":
        _run(
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
             f"--file={partial / PG_DUMP_FILE}", database["NAME"]],
            env=_pg_environment(database),
        )  # fmt: skip
    else:
        source = sqlite3.connect(f"file:{database['NAME']}?mode=ro", uri=True)
        target = sqlite3.connect(partial / SQLITE_FILE)
        with target:
            source.backup(target)
        source.close()
        target.close()

    media_root = Path(settings.MEDIA_ROOT)
    with tarfile.open(partial / MEDIA_FILE, "w:gz") as archive:
        if media_root.is_dir():
            archive.add(media_root, arcname=".")

    manifest = [
        f"created {stamp}",
        f"database {vendor} {Path(database['NAME']).name}",
        f"media {media_root}",
        *(f"key {fp}" for fp in key_fingerprints(settings.FIELD_ENCRYPTION_KEYS)),
    ]
    (partial / MANIFEST_FILE).write_text("\n".join(manifest) + "\n")
    partial.rename(final)
    return final


# --- restore drill --------------------------------------------------------------


def newest_backup(root: Path) -> Path:
    backups = sorted(root.glob("supervision-*"))
    if not backups:
        raise SystemExit(f"No backup in {root}: run `make backup` first.")
    return backups[-1]


def _manifest_keys(folder: Path) -> list[str]:
    lines = (folder / MANIFEST_FILE).read_text().splitlines()
    return [line.split()[1] for line in lines if line.startswith("key ")]


def _check(database_url: str, media_root: Path) -> int:
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media_root)}
    command = [sys.executable, str(ROOT / "manage.py"), "check_restore"]
    return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode  # noqa: S603


def extract_data(archive: tarfile.TarFile, destination: Path) -> None:
    """archive.extractall(destination, filter="data"): files and folders only, each
    inside `destination`, without their owners or any setuid, setgid, sticky or
    group- and other-write bits. Python before 3.11.4 (Debian 12's 3.11.2, which
    `make` may build .venv from) has no `filter`: there the same is done here."""
    if hasattr(tarfile, "data_filter"):
        archive.extractall(destination, filter="data")
    else:
        extract_checked(archive, destination)


def extract_checked(archive: tarfile.TarFile, destination: Path) -> None:
    """What extract_data asks of the "data" filter, for a Python without it: every
    member checked before any is written. Links of every kind are refused too, where
    the filter allows those that stay inside: a backup holds only uploaded files and
    their folders."""
    root = destination.resolve()
    members = archive.getmembers()
    for member in members:
        target = (root / member.name).resolve()
        if (
            os.path.isabs(member.name)
            or not (member.isfile() or member.isdir())
            or (target != root and root not in target.parents)
        ):
            raise tarfile.TarError(f"{member.name!r}: not a file or folder inside the archive")
        if member.isfile():
            mode = member.mode & 0o755
            if not mode & 0o100:
                mode &= ~0o111
            member.mode = mode | 0o600
        else:
            member.mode = 0o755
        # As the filter leaves ownership alone: the extracting user's.
        member.uid, member.gid, member.uname, member.gname = os.getuid(), os.getgid(), "", ""
    archive.extractall(destination, members=members)  # noqa: S202 - every member checked above


def restore_drill(folder: Path) -> int:
    """Restore `folder` into a throwaway database and media folder, check them, drop
    them. Returns check_restore's exit status."""
    settings = _settings()
    in_use = set(key_fingerprints(settings.FIELD_ENCRYPTION_KEYS))
    taken_with = _manifest_keys(folder)
    if taken_with and not in_use.intersection(taken_with):
        print(
            "Warning: none of the keys this backup was taken with is in FIELD_ENCRYPTION_KEYS "
            f"(backup: {', '.join(taken_with)}; here: {', '.join(sorted(in_use))}).",
            file=sys.stderr,
        )
    print(f"Restore drill: {folder}")
    with tempfile.TemporaryDirectory(prefix="restore-drill-") as scratch:
        media_root = Path(scratch) / "media"
        media_root.mkdir()
        with tarfile.open(folder / MEDIA_FILE) as archive:
            extract_data(archive, media_root)
        if (folder / SQLITE_FILE).exists():
            copy = Path(scratch) / SQLITE_FILE
            shutil.copyfile(folder / SQLITE_FILE, copy)
            return _check(f"sqlite:///{copy}", media_root)
        return _postgresql_drill(folder, settings.DATABASES["default"], media_root)


def _postgresql_drill(folder: Path, database: dict, media_root: Path) -> int:
    if not database["ENGINE"].endswith("postgresql"):
        raise SystemExit("A PostgreSQL backup is restored on PostgreSQL: set DATABASE_URL.")
    import psycopg2
    from psycopg2 import sql

    drill = f"restore_drill_{os.getpid()}"

    def admin(statement):
        """Run one statement on the server's maintenance database (outside a transaction)."""
        connection = psycopg2.connect(
            host=database.get("HOST") or None,
            port=database.get("PORT") or None,
            user=database.get("USER") or None,
            password=database.get("PASSWORD") or None,
            dbname="postgres",
        )
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(drill)))
    try:
        env = _pg_environment(database)
        _run(
            [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
             f"--dbname={drill}", str(folder / PG_DUMP_FILE)],
            env=env,
        )  # fmt: skip
        credentials = quote(database.get("USER") or "", safe="")
        if database.get("PASSWORD"):
            credentials += ":" + quote(str(database["PASSWORD"]), safe="")
        host = database.get("HOST") or "localhost"
        port = database.get("PORT") or 5432
        at = f"{credentials}@" if credentials else ""
        return _check(f"postgres://{at}{host}:{port}/{drill}", media_root)
    finally:
        admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(drill)))
        print(f"Dropped the drill database {drill}.")


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] not in ("backup", "restore-drill") or len(argv) > 2:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "backup":
        folder = backup(Path(argv[1]) if len(argv) > 1 else backup_root())
        print(f"Backup written to {folder}")
        print(
            "Keep it with FIELD_ENCRYPTION_KEYS and DJANGO_SECRET_KEY (from your secret "
            "store): without the keys its confidential text cannot be read."
        )
        return 0
    folder = Path(argv[1]) if len(argv) > 1 else newest_backup(backup_root())
    status = restore_drill(folder)
    print("Restore drill passed." if status == 0 else "Restore drill FAILED.")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
