"""Confidential free text is encrypted at rest, and keys rotate.

The encrypted columns are found by looking (every model, every field that is
an encrypted field), so a field added later is covered without editing this
file; tests/confidential_records.py fails loudly until it fills the new field.
"""

import importlib
import json
from io import StringIO
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django import forms
from django.apps import apps as django_apps
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from feedback.models import JournalEntry, WellbeingCheckIn
from peergroups.models import CheckIn
from supervision_site.encryption import (
    DecryptionError,
    EncryptedJSONField,
    decrypt_str,
    encrypted_fields,
    looks_like_token,
    models_with_encrypted_fields,
)
from tests.test_deployment_files import REQUIRED_PRODUCTION_ENV, run_python

from .confidential_records import (
    MARKER,
    assert_every_encrypted_field_is_covered,
    create_confidential_records,
    stored,
)

pytestmark = pytest.mark.django_db

# The migrations that encrypt rows already in the database, as (app, module). A
# field made encrypted later needs a migration of its own like these; add it here.
ENCRYPTING_MIGRATIONS = [
    ("supervision", "supervision.migrations.0006_encrypt_confidential_text"),
    ("peergroups", "peergroups.migrations.0002_encrypt_confidential_text"),
    ("feedback", "feedback.migrations.0002_encrypt_confidential_text"),
    ("supervision", "supervision.migrations.0011_encrypt_reasons"),
    ("peergroups", "peergroups.migrations.0004_encrypt_membership_reason"),
    ("notifications", "notifications.migrations.0003_encrypt_payload"),
]


@pytest.fixture
def confidential(organisation, supervisee, supervisor, peer_supporter):
    return create_confidential_records(
        organisation=organisation,
        supervisee=supervisee,
        supervisor=supervisor,
        peer_supporter=peer_supporter,
        marker=MARKER,
    )


def _quote(name):
    return connection.ops.quote_name(name)


def store(model, field_name, pk, value):
    field = model._meta.get_field(field_name)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_quote(model._meta.db_table)} SET {_quote(field.column)} = %s "  # noqa: S608
            f"WHERE {_quote(model._meta.pk.column)} = %s",
            [value, pk],
        )


def every_stored_value():
    """(model label, field name, stored value) for every non-empty encrypted value."""
    values = []
    for model, fields in models_with_encrypted_fields():
        for field in fields:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {_quote(field.column)} FROM {_quote(model._meta.db_table)}"  # noqa: S608
                )
                values += [
                    (model._meta.label, field.name, value)
                    for (value,) in cursor.fetchall()
                    if value not in (None, "")
                ]
    return values


def new_key():
    return Fernet.generate_key().decode()


# --- what is stored --------------------------------------------------------------


def test_the_fixture_fills_every_encrypted_field_of_every_model(confidential):
    assert_every_encrypted_field_is_covered(confidential, MARKER)


def test_the_confidential_fields_are_the_encrypted_ones():
    found = {
        f"{model._meta.label}.{field.name}"
        for model, fields in models_with_encrypted_fields()
        for field in fields
    }
    assert {
        "supervision.SessionRecord.agreed_actions",
        "supervision.SessionRecord.supervisee_comment",
        "supervision.SessionRecord.escalated_to",
        "supervision.Agreement.ground_rules",
        "supervision.Agreement.confidentiality_limits",
        "peergroups.GroupRecord.notes",
        "peergroups.GroupRecord.systemic_issues",
        "peergroups.SupportRequest.note",
        "peergroups.SupportRequest.contact_detail",
        "peergroups.CheckIn.notes",
        "feedback.JournalEntry.title",
        "feedback.JournalEntry.sections",
        "feedback.FeedbackAnswer.text",
        "feedback.WellbeingCheckIn.comment",
        # The reasons people give, and what the outbox holds until it sends (issue 15)
        "supervision.Agreement.end_reason",
        "supervision.Agreement.frequency",
        "supervision.Session.cancellation_reason",
        "supervision.AvailabilityException.reason",
        "supervision.AllowanceExtra.reason",
        "supervision.AllowanceExtra.revoke_reason",
        "peergroups.Membership.reason",
        "notifications.Notification.payload",
        # What a group's facilitators release to the organisation (issue 16)
        "peergroups.ThemeStatement.statement",
    } <= found


def test_every_encrypted_field_reads_back_what_was_written(confidential):
    for obj in confidential.values():
        fresh = type(obj)._default_manager.get(pk=obj.pk)
        for field in encrypted_fields(type(obj)):
            assert field.value_from_object(fresh) == field.value_from_object(obj), field


def test_a_database_dump_shows_only_ciphertext(confidential):
    values = every_stored_value()
    columns = {(label, name) for label, name, _ in values}
    expected = {
        (model._meta.label, field.name)
        for model, fields in models_with_encrypted_fields()
        for field in fields
    }
    assert columns == expected  # every encrypted column was looked at, with data in it
    for label, name, value in values:
        assert MARKER not in value, (label, name)
        assert "Tired" not in value, (label, name)
        assert looks_like_token(value), (label, name)
        decrypt_str(value)  # and it is ours


def test_journal_sections_keep_their_shape_and_unicode(confidential):
    entry = JournalEntry.objects.get(pk=confidential["journal_entry"].pk)
    assert entry.sections == {
        "description": f"What happened {MARKER}",
        "feelings": "Tired — and sad",
    }
    stored_sections = stored(JournalEntry, "sections", entry.pk)
    assert json.loads(decrypt_str(stored_sections)) == entry.sections


def test_empty_text_is_stored_empty_and_can_still_be_filtered(confidential):
    # Emptiness is not secret: "was anything written?" still works in SQL.
    written = confidential["checkin"]
    empty = CheckIn.objects.create(
        request=written.request, happened_at=written.happened_at, mode="phone", notes=""
    )
    assert stored(CheckIn, "notes", empty.pk) == ""
    assert CheckIn.objects.get(pk=empty.pk).notes == ""
    assert list(CheckIn.objects.filter(notes="").values_list("pk", flat=True)) == [empty.pk]
    assert list(CheckIn.objects.exclude(notes="").values_list("pk", flat=True)) == [written.pk]


@pytest.mark.parametrize(
    "lookup",
    [{"notes": "Check-in"}, {"notes__icontains": "check"}, {"notes__startswith": "C"}],
)
def test_the_database_cannot_be_asked_what_encrypted_text_says(confidential, lookup):
    # Refused loudly: with a random IV per value, such a query would match nothing.
    with pytest.raises(FieldError):
        list(CheckIn.objects.filter(**lookup))


def test_journal_sections_cannot_be_searched_by_key(confidential):
    with pytest.raises(FieldError):
        list(JournalEntry.objects.filter(sections__description="What happened"))


def test_the_plaintext_length_limit_still_holds(confidential):
    checkin = confidential["checkin"]
    checkin.notes = "x" * 4001
    with pytest.raises(ValidationError) as error:
        checkin.full_clean()
    assert "notes" in error.value.message_dict
    field = CheckIn._meta.get_field("notes").formfield()
    assert isinstance(field, forms.CharField)
    assert field.max_length == 4000


# --- keys ----------------------------------------------------------------------------


def test_keys_rotate_and_the_old_key_can_then_go(
    settings, organisation, supervisee, supervisor, peer_supporter
):
    key_a, key_b = new_key(), new_key()
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    records = create_confidential_records(
        organisation=organisation,
        supervisee=supervisee,
        supervisor=supervisor,
        peer_supporter=peer_supporter,
        marker=MARKER,
    )
    # More rows than one batch, so the command has to page through a table.
    for feeling in (1, 3, 5):
        WellbeingCheckIn.objects.create(
            author=supervisee, organisation=organisation, feeling=feeling, comment=MARKER
        )
    count = len(every_stored_value())

    settings.FIELD_ENCRYPTION_KEYS = [key_b, key_a]  # the new key first, the old still there
    assert_every_encrypted_field_is_covered(records, MARKER)
    out = StringIO()
    call_command("rotate_encryption_keys", batch_size=2, stdout=out)
    assert f"Done: {count} value(s) re-encrypted, 0 already under the current key" in (
        out.getvalue()
    )
    assert "feedback.WellbeingCheckIn (comment): 4 re-encrypted" in out.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [key_b]  # the old key removed
    assert_every_encrypted_field_is_covered(records, MARKER)
    assert [r.comment for r in WellbeingCheckIn.objects.all()].count(MARKER) == 3
    for _label, _name, value in every_stored_value():
        Fernet(key_b).decrypt(value.encode())
        with pytest.raises(InvalidToken):
            Fernet(key_a).decrypt(value.encode())

    again = StringIO()
    call_command("rotate_encryption_keys", stdout=again)
    assert f"Done: 0 value(s) re-encrypted, {count} already under the current key" in (
        again.getvalue()
    )


def test_rotating_keeps_what_a_record_last_changed_at(settings, confidential):
    record = confidential["session_record"]
    before = type(record).objects.get(pk=record.pk).updated_at
    settings.FIELD_ENCRYPTION_KEYS = [new_key(), *settings.FIELD_ENCRYPTION_KEYS]
    call_command("rotate_encryption_keys", stdout=StringIO())
    assert type(record).objects.get(pk=record.pk).updated_at == before


def test_a_value_no_key_opens_is_an_error_never_ciphertext(settings, confidential):
    checkin = confidential["checkin"]
    token = stored(CheckIn, "notes", checkin.pk)
    settings.FIELD_ENCRYPTION_KEYS = [new_key()]
    with pytest.raises(DecryptionError, match="FIELD_ENCRYPTION_KEYS") as error:
        CheckIn.objects.get(pk=checkin.pk)
    assert token not in str(error.value)


def test_rotation_stops_with_a_clear_message_when_a_key_is_missing(settings, confidential):
    settings.FIELD_ENCRYPTION_KEYS = [new_key()]
    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("rotate_encryption_keys", stdout=StringIO())


def test_no_keys_is_a_configuration_error(settings, confidential):
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS is empty"):
        WellbeingCheckIn.objects.get(pk=confidential["wellbeing"].pk)


def test_a_malformed_key_is_named_by_position_and_never_shown(settings, confidential):
    settings.FIELD_ENCRYPTION_KEYS = [*settings.FIELD_ENCRYPTION_KEYS, "not-a-key-but-still-secret"]
    with pytest.raises(ImproperlyConfigured, match="key 2 of 2") as error:
        WellbeingCheckIn.objects.get(pk=confidential["wellbeing"].pk)
    assert "still-secret" not in str(error.value)


# --- the migrations ------------------------------------------------------------------


# Fields added encrypted from the start: no plaintext row of them ever existed, so
# no migration has anything to encrypt. Each names the migration that adds it, by an
# AddField or with its model's CreateModel.
BORN_ENCRYPTED = {
    ("supervision", "agreement", "request_message"): "0010_agreement_request_message",
    ("peergroups", "themestatement", "statement"): "0006_themes_and_external_facilitators",
    ("peergroups", "communitythread", "title"): "0010_learning_community",
    ("peergroups", "communitythread", "body"): "0010_learning_community",
    ("peergroups", "communityreply", "body"): "0010_learning_community",
    ("supervision", "allowanceextra", "revoke_reason"): "0013_allowance_extra_revoke",
}


def _born_with(module, model_name, name):
    """The field as the migration first adds it: by AddField, or in its model's CreateModel."""
    found = []
    for op in module.Migration.operations:
        kind = type(op).__name__
        if kind == "AddField" and (op.model_name, op.name) == (model_name, name):
            found.append(op.field)
        elif kind == "CreateModel" and op.name.lower() == model_name:
            found += [field for field_name, field in op.fields if field_name == name]
    return found


def test_the_migrations_encrypt_every_encrypted_field():
    covered = {
        (app_label, model_name, name)
        for app_label, module in ENCRYPTING_MIGRATIONS
        for model_name, names in importlib.import_module(module).FIELDS.items()
        for name in names
    }
    for (app_label, model_name, name), migration in BORN_ENCRYPTED.items():
        # Added by an AddField of an encrypted field, never altered from plain text
        module = importlib.import_module(f"{app_label}.migrations.{migration}")
        added = _born_with(module, model_name, name)
        assert len(added) == 1, (model_name, name)
        assert type(added[0]).__name__.startswith("Encrypted")
        covered.add((app_label, model_name, name))
    assert covered == {
        (model._meta.app_label, model._meta.model_name, field.name)
        for model, fields in models_with_encrypted_fields()
        for field in fields
    }


@pytest.mark.parametrize(("app_label", "module"), ENCRYPTING_MIGRATIONS, ids=lambda v: v)
def test_the_migration_encrypts_plaintext_already_in_the_table(confidential, app_label, module):
    migration = importlib.import_module(module)
    # The RunPython functions use only the editor's connection; a real schema
    # editor cannot open inside the test's transaction on SQLite.
    editor = SimpleNamespace(connection=connection)
    by_model = {type(obj): obj for obj in confidential.values()}
    plaintext = {}
    for model_name, names in migration.FIELDS.items():
        model = django_apps.get_model(app_label, model_name)
        obj = by_model[model]
        for name in names:
            field = model._meta.get_field(name)
            value = field.value_from_object(obj)
            # As the column held it before the migration: text, or JSON as text.
            text = json.dumps(value) if isinstance(field, EncryptedJSONField) else value
            store(model, name, obj.pk, text)
            plaintext[model, name, obj.pk] = (text, value)

    migration.encrypt_existing(django_apps, editor)
    encrypted = {}
    for (model, name, pk), (text, value) in plaintext.items():
        token = stored(model, name, pk)
        assert MARKER not in token
        assert decrypt_str(token) == text
        assert model._meta.get_field(name).value_from_object(model.objects.get(pk=pk)) == value
        encrypted[model, name, pk] = token

    migration.encrypt_existing(django_apps, editor)  # twice: nothing encrypted twice
    assert {key: stored(*key) for key in encrypted} == encrypted

    migration.decrypt_existing(django_apps, editor)  # and back, for unapplying it
    assert {key: stored(*key) for key in plaintext} == {
        key: text for key, (text, _) in plaintext.items()
    }


# --- settings --------------------------------------------------------------------------

PRINT_KEYS = (
    "import django; django.setup()\n"
    "from django.conf import settings\n"
    "from cryptography.fernet import Fernet\n"
    "[Fernet(key) for key in settings.FIELD_ENCRYPTION_KEYS]\n"
    "print(','.join(settings.FIELD_ENCRYPTION_KEYS))"
)
LOCAL = {"DJANGO_SETTINGS_MODULE": "supervision_site.settings.local"}


def test_production_refuses_to_start_without_encryption_keys():
    env = {k: v for k, v in REQUIRED_PRODUCTION_ENV.items() if k != "FIELD_ENCRYPTION_KEYS"}
    result = run_python("import django; django.setup()", env)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr.strip().splitlines()[-1]


def test_production_refuses_a_malformed_key_without_showing_it():
    result = run_python(
        "import django; django.setup()",
        {**REQUIRED_PRODUCTION_ENV, "FIELD_ENCRYPTION_KEYS": "a-secret-that-is-no-key"},
    )
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert "key 1 is not a Fernet key" in message
    assert "a-secret-that-is-no-key" not in result.stderr


def test_production_takes_its_keys_from_the_environment():
    keys = f"{new_key()},{new_key()}"
    result = run_python(PRINT_KEYS, {**REQUIRED_PRODUCTION_ENV, "FIELD_ENCRYPTION_KEYS": keys})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == keys


def test_make_run_derives_a_stable_development_key_when_none_is_set():
    first, second = run_python(PRINT_KEYS, LOCAL), run_python(PRINT_KEYS, LOCAL)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout  # the web process and the worker agree
    assert len(first.stdout.strip().split(",")) == 1
    other = run_python(PRINT_KEYS, {**LOCAL, "DJANGO_SECRET_KEY": "another-" + "s" * 50})
    assert other.stdout != first.stdout  # derived from the secret key, not a constant


def test_local_settings_use_keys_from_the_environment_when_given():
    key = new_key()
    result = run_python(PRINT_KEYS, {**LOCAL, "FIELD_ENCRYPTION_KEYS": key})
    assert result.stdout.strip() == key


def test_authenticator_app_secrets_are_encrypted_and_rotate_with_the_keys(
    settings, programme_admin
):
    from allauth.mfa.adapter import get_adapter as get_mfa_adapter
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from tests.factories import TOTP_SECRET, totp_code

    stored = Authenticator.objects.filter(user=programme_admin, type="totp").values("data")
    secret = stored.get()["data"]["secret"]
    assert secret != TOTP_SECRET
    assert TOTP_SECRET not in secret
    authenticator = Authenticator.objects.get(user=programme_admin, type="totp")
    assert TOTP(authenticator).validate_code(totp_code())

    old = settings.FIELD_ENCRYPTION_KEYS[0]
    settings.FIELD_ENCRYPTION_KEYS = [new_key(), old]
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "Authenticator app secrets: 1 re-encrypted" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]
    rotated = stored.get()["data"]["secret"]
    assert rotated != secret
    assert get_mfa_adapter().decrypt(rotated) == TOTP_SECRET  # under the new key alone
