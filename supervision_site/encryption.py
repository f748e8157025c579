"""Confidential free text, encrypted at rest with keys from the environment.

`FIELD_ENCRYPTION_KEYS` is a list of Fernet keys (AES-128-CBC with an
HMAC-SHA256, from `cryptography`). The first key encrypts; every key decrypts
(MultiFernet), so keys rotate without downtime: put the new key first, run
`manage.py rotate_encryption_keys`, then drop the old one (README, "Encryption
keys"). A database dump or backup shows only ciphertext for these columns.

What stays visible, on purpose:

- **Emptiness.** An empty string is stored as an empty string, so
  `exclude(notes="")`, `blank=True` and "was anything written?" keep working.
  That something was written is not the secret; what was written is.
- **Length, roughly.** A token grows with its plaintext.

Because every encryption uses a fresh random IV, the database cannot compare,
search or sort these columns: the only lookups allowed are `isnull` and
`exact` against the empty string. Anything else raises `FieldError` rather
than quietly matching nothing.

A value that no configured key can decrypt raises `DecryptionError`: the code
never hands ciphertext to a page as if it were text.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.apps import apps as global_apps
from django.conf import settings
from django.core import validators
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.lookups import Exact

# Fernet tokens start with the version byte 0x80 and carry at least a
# timestamp, an IV and an HMAC: 57 bytes before base64.
_FERNET_VERSION = 0x80
_FERNET_MIN_BYTES = 57


class DecryptionError(Exception):
    """A stored value could not be decrypted with any key in FIELD_ENCRYPTION_KEYS."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or (
                "A confidential value could not be decrypted with any key in "
                "FIELD_ENCRYPTION_KEYS. The key that encrypted it is probably missing "
                "from the list: add it back (after the current key) and, to retire "
                "it, run `manage.py rotate_encryption_keys`."
            )
        )


# --- keys ----------------------------------------------------------------------


def configured_keys() -> tuple[str, ...]:
    keys = getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or ()
    if isinstance(keys, str):
        keys = keys.split(",")
    keys = tuple(key.strip() for key in keys if key and key.strip())
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: confidential text cannot be encrypted or "
            'read. Generate a key with\n  python -c "from cryptography.fernet import '
            'Fernet; print(Fernet.generate_key().decode())"'
        )
    return keys


@lru_cache(maxsize=8)
def _fernets_for(keys: tuple[str, ...]) -> tuple[Fernet, ...]:
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError, binascii.Error):
            # Never echo the key itself: it is a secret even when malformed.
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS: key {position} of {len(keys)} is not a Fernet key "
                "(32 bytes, URL-safe base64-encoded, 44 characters)."
            ) from None
    return tuple(fernets)


def _multi_fernet() -> MultiFernet:
    return MultiFernet(list(_fernets_for(configured_keys())))


def _primary_fernet() -> Fernet:
    return _fernets_for(configured_keys())[0]


# --- values --------------------------------------------------------------------


def encrypt_str(plaintext: str) -> str:
    """A Fernet token (ASCII) for `plaintext`, under the first configured key."""
    return _multi_fernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_str(token: str) -> str:
    """The plaintext of a token written by `encrypt_str`; `DecryptionError` otherwise."""
    try:
        return _multi_fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise DecryptionError from None


def looks_like_token(value: str) -> bool:
    """Whether `value` has the shape of a Fernet token (whether or not a key opens it)."""
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (ValueError, UnicodeError):
        return False
    return len(raw) >= _FERNET_MIN_BYTES and raw[0] == _FERNET_VERSION


def is_readable_token(value: str) -> bool:
    try:
        _multi_fernet().decrypt(value.encode("ascii"))
    except (InvalidToken, UnicodeError):
        return False
    return True


def rotate_token(token: str) -> str | None:
    """The token re-encrypted under the first key, or None when it already is."""
    try:
        _primary_fernet().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeError):
        pass
    else:
        return None
    try:
        return _multi_fernet().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise DecryptionError from None


# --- fields --------------------------------------------------------------------


class EmptyOnlyExact(Exact):
    """`field=""` works (emptiness is not secret); `field="some text"` cannot."""

    def get_prep_lookup(self):
        if self.rhs != "":
            raise FieldError(
                f"{self.lhs.field.name} is encrypted: it can only be compared with the "
                "empty string. Filter in Python after loading, or not at all."
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; the empty string is stored as itself.

    `max_length` is the plaintext's: forms and `full_clean()` check it, while
    the column is unbounded text (a token is longer than its plaintext).
    """

    description = "Text encrypted at rest"
    allowed_lookups = frozenset({"exact", "isnull"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_str(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_str(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in self.allowed_lookups:
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        return None


EncryptedTextField.register_lookup(EmptyOnlyExact)


class EncryptedCharField(EncryptedTextField):
    """A one-line encrypted value: the same storage, a text input in forms."""

    def formfield(self, form_class=None, choices_form_class=None, **kwargs):
        return super().formfield(
            form_class=form_class,
            choices_form_class=choices_form_class,
            **{"widget": forms.TextInput, **kwargs},
        )


class EncryptedJSONField(models.TextField):
    """A JSON value, serialised to text and stored as a Fernet token.

    Every value is encrypted, `{}` and `""` included: there is no emptiness to
    query here, and no key lookups either (the database cannot see inside).
    """

    description = "JSON encrypted at rest"
    # For django-stubs' plugin: the value is JSON of any shape, not the text it is stored as.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any
    empty_strings_allowed = False
    allowed_lookups = frozenset({"isnull"})

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt_str(json.dumps(value, cls=DjangoJSONEncoder))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return json.loads(decrypt_str(value))

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        # As JSONField: serializers nest the value rather than quote it.
        return self.value_from_object(obj)

    def get_lookup(self, lookup_name):
        if lookup_name not in self.allowed_lookups:
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        return None

    def formfield(self, form_class=forms.JSONField, choices_form_class=None, **kwargs):
        return super().formfield(
            form_class=form_class, choices_form_class=choices_form_class, **kwargs
        )


ENCRYPTED_FIELD_TYPES = (EncryptedTextField, EncryptedJSONField)


def encrypted_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, ENCRYPTED_FIELD_TYPES)]


def models_with_encrypted_fields(apps=global_apps) -> list[tuple[type[models.Model], list]]:
    """Every installed model with an encrypted column, and those columns' fields."""
    found = []
    for model in apps.get_models():
        fields = encrypted_fields(model)
        if fields and not model._meta.proxy and model._meta.managed:
            found.append((model, fields))
    return found


# --- rewriting stored values in place -------------------------------------------


@dataclass
class RewriteCount:
    rewritten: int = 0
    unchanged: int = 0


def rewrite_columns(
    connection,
    *,
    table: str,
    pk_column: str,
    columns: Iterable[str],
    transform: Callable[[str], str | None],
    batch_size: int = 500,
) -> RewriteCount:
    """Pass each non-empty stored value of `columns` through `transform`.

    `transform` returns the new stored value, or None to leave it. Raw SQL, so
    no `from_db_value` runs and no `auto_now` field moves. Rows are read in
    primary-key order, `batch_size` at a time, each batch in its own
    transaction with its rows locked (`FOR UPDATE` where the database has it;
    SQLite's IMMEDIATE transactions already shut out other writers), so a
    person saving a record meanwhile waits rather than being overwritten.
    """
    columns = list(columns)
    quote = connection.ops.quote_name
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    selected = ", ".join(quote(c) for c in [pk_column, *columns])
    count = RewriteCount()
    last_pk = None
    while True:
        after = "" if last_pk is None else f"WHERE {quote(pk_column)} > %s "
        select = (
            f"SELECT {selected} FROM {quote(table)} {after}"  # noqa: S608
            f"ORDER BY {quote(pk_column)} LIMIT %s{lock}"
        )
        params = [batch_size] if last_pk is None else [last_pk, batch_size]
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(select, params)
            rows = cursor.fetchall()
            for pk, *values in rows:
                changes = {}
                for column, value in zip(columns, values, strict=True):
                    if value is None or value == "":
                        continue
                    new = transform(value)
                    if new is None:
                        count.unchanged += 1
                    else:
                        changes[column] = new
                        count.rewritten += 1
                if changes:
                    assignments = ", ".join(f"{quote(c)} = %s" for c in changes)
                    cursor.execute(
                        f"UPDATE {quote(table)} SET {assignments} "  # noqa: S608
                        f"WHERE {quote(pk_column)} = %s",
                        [*changes.values(), pk],
                    )
        if len(rows) < batch_size:
            return count
        last_pk = rows[-1][0]


def _encrypt_if_plain(value: str) -> str | None:
    if is_readable_token(value):
        return None
    if looks_like_token(value):
        # Encrypted under a key we no longer have: encrypting it again would
        # bury it for good.
        raise DecryptionError
    return encrypt_str(value)


def _decrypt_if_token(value: str) -> str | None:
    if is_readable_token(value):
        return decrypt_str(value)
    if looks_like_token(value):
        raise DecryptionError
    return None


def _rewrite_app(apps, schema_editor, app_label, fields_by_model, transform) -> None:
    for model_name, field_names in fields_by_model.items():
        model = apps.get_model(app_label, model_name)
        rewrite_columns(
            schema_editor.connection,
            table=model._meta.db_table,
            pk_column=model._meta.pk.column,
            columns=[model._meta.get_field(name).column for name in field_names],
            transform=transform,
        )


def encrypt_existing_rows(apps, schema_editor, app_label, fields_by_model) -> None:
    """For a migration's RunPython: encrypt the plaintext already in these columns.

    Safe to run twice: values that already decrypt are left alone.
    """
    _rewrite_app(apps, schema_editor, app_label, fields_by_model, _encrypt_if_plain)


def decrypt_existing_rows(apps, schema_editor, app_label, fields_by_model) -> None:
    """The reverse: back to plaintext, for unapplying the migration."""
    _rewrite_app(apps, schema_editor, app_label, fields_by_model, _decrypt_if_token)
