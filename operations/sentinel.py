"""Do FIELD_ENCRYPTION_KEYS open this database's data? Asked before it matters.

A known text, encrypted with the keys, is kept in the database (one
`EncryptionSentinel` row). A database restored with the wrong keys would
otherwise look healthy until someone opened confidential text, then fail;
instead the web server, the worker, beat, `migrate`, `check --database
default`, `manage.py check_encryption_keys` and the readiness page all ask
`keys_problem()` and refuse, naming the problem.

The row is written by this app's migration, or by the first check that finds
none (after a table flush, say). Before writing it, a sample of the
ciphertext already stored (the first value of every encrypted column) must
open with the keys: a database restored from a dump older than the sentinel
does not get a sentinel under the wrong key. `manage.py
rotate_encryption_keys` re-encrypts it with everything else.
"""

from __future__ import annotations

import logging

from django.apps import apps as global_apps
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, connections, router, transaction

from supervision_site.encryption import (
    DecryptionError,
    configured_keys,
    decrypt_str,
    encrypt_str,
    is_readable_token,
    looks_like_token,
    models_with_encrypted_fields,
    rotate_token,
)

logger = logging.getLogger(__name__)

SENTINEL_TEXT = "clinical-supervision field encryption sentinel, version 1"
SENTINEL_PK = 1
PROBLEM = "FIELD_ENCRYPTION_KEYS cannot decrypt this database's data: {why}"
RESTORE_HINT = (
    "Set FIELD_ENCRYPTION_KEYS to the keys this database was written with (a restore "
    "needs the keys backed up with it; README, 'Backup and restore')."
)


class EncryptionKeysMismatch(ImproperlyConfigured):
    """The configured keys do not open the database's encrypted data."""


def _sentinel_model(apps):
    return apps.get_model("operations", "EncryptionSentinel")


def first_unreadable_column(apps=global_apps) -> str | None:
    """`app.Model.field` of the first encrypted column whose first stored token no key opens.

    Plain text left by a migration that has not encrypted it yet is not a token
    and does not count. One query per encrypted column.
    """
    for model, fields in models_with_encrypted_fields(apps):
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        for field in fields:
            column, table = quote(field.column), quote(model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {column} FROM {table} "  # noqa: S608 - quoted names only
                    f"WHERE {column} IS NOT NULL AND {column} <> '' LIMIT 1"
                )
                row = cursor.fetchone()
            if row and looks_like_token(row[0]) and not is_readable_token(row[0]):
                return f"{model._meta.label}.{field.name}"
    return None


def _write_sentinel(apps) -> str | None:
    """Write the sentinel under the first key; the problem instead if stored data disagrees."""
    unreadable = first_unreadable_column(apps)
    if unreadable is not None:
        return PROBLEM.format(
            why=f"no key in it opens the values already stored in {unreadable}. {RESTORE_HINT}"
        )
    sentinel = _sentinel_model(apps)
    try:
        with transaction.atomic(using=router.db_for_write(sentinel)):
            sentinel.objects.create(pk=SENTINEL_PK, token=encrypt_str(SENTINEL_TEXT))
    except IntegrityError:
        pass  # another process wrote it first: fine, it is read below by the caller
    return None


def keys_problem(apps=global_apps) -> str | None:
    """None when FIELD_ENCRYPTION_KEYS open the sentinel (writing it if missing).

    Otherwise what is wrong, starting "FIELD_ENCRYPTION_KEYS cannot decrypt
    this database's data". Database errors (no table yet, no database) are
    the caller's to handle: they are not a key problem.
    """
    try:
        keys = configured_keys()
    except ImproperlyConfigured as error:
        return str(error)
    token = (
        _sentinel_model(apps).objects.filter(pk=SENTINEL_PK).values_list("token", flat=True).first()
    )
    if token is None:
        return _write_sentinel(apps)
    try:
        readable = decrypt_str(token) == SENTINEL_TEXT
    except DecryptionError:
        readable = False
    if readable:
        return None
    return PROBLEM.format(
        why=f"none of its {len(keys)} key(s) opens the sentinel written with the keys in "
        f"use when this database was set up. {RESTORE_HINT}"
    )


def write_sentinel_for_migration(apps, schema_editor) -> None:
    """The migration's RunPython: write the sentinel, or refuse to migrate with wrong keys."""
    problem = keys_problem(apps)
    if problem is not None:
        raise EncryptionKeysMismatch(problem)


def sentinel_rotate() -> str:
    """Re-encrypt the sentinel under the first key, for `rotate_encryption_keys`.

    That command calls this after re-encrypting every stored value, which
    proves the keys open this database's data: a sentinel they cannot open
    (or none) is then written afresh. Returns what was done, in words.
    """
    sentinel = _sentinel_model(global_apps)
    with transaction.atomic(using=router.db_for_write(sentinel)):
        row = sentinel.objects.select_for_update().filter(pk=SENTINEL_PK).first()
        if row is None:
            sentinel.objects.create(pk=SENTINEL_PK, token=encrypt_str(SENTINEL_TEXT))
            return "written"
        try:
            token = rotate_token(row.token)
        except DecryptionError:
            token = encrypt_str(SENTINEL_TEXT)
        if token is None:
            return "already under the current key"
        row.token = token
        row.save(update_fields=["token", "written_at"])
        return "re-encrypted"


def refuse_to_start_with_wrong_keys(process: str) -> None:
    """For a process starting up (web server, worker, beat): raise if the keys are wrong.

    A database that cannot be reached, or has no tables yet, is not a reason
    to refuse here: `migrate` runs this check too, and readiness reports it.
    """
    try:
        problem = keys_problem()
    except DatabaseError as error:
        logger.warning(
            "%s: could not check FIELD_ENCRYPTION_KEYS against the database (%s); "
            "readiness will report it",
            process,
            type(error).__name__,
        )
        return
    finally:
        for connection in connections.all(initialized_only=True):
            connection.close()
    if problem is not None:
        logger.critical("%s refuses to start. %s", process, problem)
        raise EncryptionKeysMismatch(problem)
