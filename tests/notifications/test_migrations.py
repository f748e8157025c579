"""Rows already in the outbox when the payload became encrypted (notifications 0002, 0003).

The real migrations run backwards and forwards on the test database, over rows
written as the old code left them: a sent row kept the words it was sent with.
"""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from notifications.models import Notification
from supervision_site.encryption import looks_like_token
from tests.confidential_records import stored

WORDS = "Off sick with stress 2b9e"
BEFORE = "0001_initial"


@pytest.fixture
def before_the_upgrade(transactional_db, supervisee):
    call_command("migrate", "notifications", BEFORE, verbosity=0)
    try:
        yield supervisee
    finally:
        call_command("migrate", "notifications", verbosity=0)


def _insert(user, state, payload, target_id) -> int:
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notifications_notification (recipient_id, kind, target_type, "
            "target_id, due_at, next_attempt_at, state, attempts, last_error, emailed, "
            "subject, payload, created_at) "
            "VALUES (%s, 'session_moved', 'supervision.session', %s, %s, %s, %s, 0, '', "
            "%s, 'Supervision moved', %s, %s) RETURNING id",
            [user.pk, target_id, now, now, state, False, json.dumps(payload), now],
        )
        return cursor.fetchone()[0]


def test_rows_from_before_keep_their_link_and_only_pending_ones_their_words(
    before_the_upgrade,
):
    user = before_the_upgrade
    ids = {}
    for state, payload in [
        ("sent", {"reason": WORDS, "sequence": 1, "url": "/sessions/7/"}),
        ("pending", {"reason": WORDS, "sequence": 2}),
        ("cancelled", {"reason": WORDS, "sequence": 3}),
        ("failed", {"reason": WORDS, "sequence": 4}),
    ]:
        ids[state] = _insert(user, state, payload, target_id=payload["sequence"])

    call_command("migrate", "notifications", verbosity=0)

    rows = {row.state: row for row in Notification.objects.filter(pk__in=ids.values())}
    assert (rows["sent"].url, rows["sent"].payload) == ("/sessions/7/", {})
    assert rows["pending"].payload == {"reason": WORDS, "sequence": 2}
    assert rows["cancelled"].payload == {}
    assert rows["failed"].payload == {}
    for pk in ids.values():
        raw = stored(Notification, "payload", pk)
        assert WORDS not in raw
        assert looks_like_token(raw)

    # And back: the link returns to the payload, which is plain JSON again.
    call_command("migrate", "notifications", BEFORE, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state, payload FROM notifications_notification WHERE id IN (%s, %s)",
            [ids["sent"], ids["pending"]],
        )
        back = {state: value for state, value in cursor.fetchall()}
    as_json = {state: json.loads(v) if isinstance(v, str) else v for state, v in back.items()}
    assert as_json == {"sent": {"url": "/sessions/7/"}, "pending": {"reason": WORDS, "sequence": 2}}
