"""One row of every model with an encrypted field, each such field holding MARKER.

Shared by tests/test_encryption.py and tests/test_admin_confidentiality.py.
`assert_every_encrypted_field_is_covered` fails as soon as a model gains an
encrypted field this module does not fill, so those tests keep covering
everything without anyone remembering to extend them.
"""

import datetime
import json

from django.db import connection
from django.utils import timezone

from supervision_site.encryption import EncryptedJSONField, models_with_encrypted_fields

MARKER = "CONFIDENTIAL-MARKER-4a7e9c"


def create_confidential_records(*, organisation, supervisee, supervisor, peer_supporter, marker):
    """The records, written through the ORM as the services would leave them."""
    from feedback.models import (
        FeedbackAnswer,
        FeedbackQuestion,
        FeedbackResponse,
        JournalEntry,
        WellbeingCheckIn,
    )
    from kernel.models import Theme
    from kernel.records import record_type
    from notifications.models import Notification
    from peergroups.models import (
        CheckIn,
        CommunityReply,
        CommunityThread,
        Group,
        GroupRecord,
        GroupSession,
        LearningCommunity,
        Membership,
        SupportRequest,
        ThemeStatement,
    )
    from supervision.models import AllowanceExtra, AvailabilityException, Session, SessionRecord
    from tests.factories import AgreementFactory, ProgrammeFactory

    now = timezone.now()
    programme = ProgrammeFactory(organisation=organisation)
    agreement = AgreementFactory(
        programme=programme,
        supervisor=supervisor,
        supervisee=supervisee,
        ground_rules=f"Ground rules {marker}",
        confidentiality_limits=f"Limits {marker}",
        request_message=f"Message {marker}",
        frequency=f"Fortnightly {marker}",
        ended_at=now,
        ended_by=supervisee,
        end_reason=f"Moving on {marker}",
    )
    session = Session.objects.create(
        programme=programme,
        agreement=agreement,
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=now - datetime.timedelta(days=2),
        ends_at=now - datetime.timedelta(days=2) + datetime.timedelta(hours=1),
        status=Session.Status.ATTENDED,
        meeting_link="https://teams.microsoft.com/l/meetup-join/x",
    )
    cancelled = Session.objects.create(
        programme=programme,
        agreement=agreement,
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=now + datetime.timedelta(days=2),
        ends_at=now + datetime.timedelta(days=2, hours=1),
        status=Session.Status.CANCELLED,
        cancelled_by=Session.CancelledBy.SUPERVISEE,
        cancelled_at=now,
        cancellation_reason=f"A hospital appointment {marker}",
    )
    notification = Notification.objects.create(
        recipient=supervisor,
        kind="session_cancelled",
        target_type=record_type(cancelled),
        target_id=cancelled.pk,
        organisation_id=organisation.pk,
        due_at=now,
        next_attempt_at=now,
        payload={"reason": cancelled.cancellation_reason, "sequence": 1},
    )
    away = AvailabilityException.objects.create(
        supervisor=supervisor,
        starts_at=now + datetime.timedelta(days=7),
        ends_at=now + datetime.timedelta(days=9),
        reason=f"Sick leave {marker}",
    )
    extra = AllowanceExtra.objects.create(
        programme=programme,
        user=supervisee,
        sessions=1,
        reason=f"Returning after a bereavement {marker}",
        valid_from=now.date(),
        valid_until=now.date() + datetime.timedelta(days=90),
        granted_by=supervisor,
        revoked_at=now,
        revoked_by=supervisor,
        revoke_reason=f"Granted by mistake {marker}",
    )
    session_record = SessionRecord.objects.create(
        session=session,
        actual_minutes=60,
        agreed_actions=f"Actions {marker}",
        escalated=True,
        escalated_on=now.date(),
        escalated_to=f"Escalated to {marker}",
        supervisee_comment=f"Comment {marker}",
        logged_by=supervisor,
    )
    group = Group.objects.create(
        programme=programme,
        organisation=organisation,
        name="Reflective practice",
        group_type="reflective_practice",
        weekday=1,
        start_time=datetime.time(14),
        end_time=datetime.time(15, 30),
        starts_on=now.date(),
        meeting_link="https://teams.microsoft.com/l/meetup-join/group",
    )
    meeting = GroupSession.objects.create(
        group=group,
        occurrence=now.date(),
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now - datetime.timedelta(days=1) + datetime.timedelta(minutes=90),
    )
    membership = Membership.objects.create(
        group=group,
        user=supervisee,
        state=Membership.State.LEFT,
        ended_at=now,
        reason=f"Too close to home {marker}",
    )
    group_record = GroupRecord.objects.create(
        session=meeting,
        notes=f"Notes {marker}",
        systemic_issues=f"Systemic {marker}",
        written_by=supervisor,
    )
    theme_statement = ThemeStatement.objects.create(
        meeting=meeting,
        theme=Theme.objects.get_or_create(organisation=organisation, name="Staffing")[0],
        statement=f"Breaks are hard to take {marker}",
        drafted_by=supervisor,
        drafted_at=now,
    )
    support_request = SupportRequest.objects.create(
        organisation=organisation,
        requester=supervisee,
        contact_mode="phone",
        contact_detail=f"07700 900123 {marker}",
        note=f"After the night shift {marker}",
        status="assigned",
        supporter=peer_supporter,
        assigned_at=now,
        first_contact_due=now + datetime.timedelta(hours=72),
    )
    checkin = CheckIn.objects.create(
        request=support_request,
        happened_at=now,
        mode="phone",
        notes=f"Check-in {marker}",
        logged_by=peer_supporter,
    )
    journal_entry = JournalEntry.objects.create(
        author=supervisee,
        template="gibbs",
        title=f"A hard night {marker}",
        sections={"description": f"What happened {marker}", "feelings": "Tired — and sad"},
    )
    question = FeedbackQuestion.objects.create(
        programme=programme, text="What helped?", kind="text", position=1
    )
    response = FeedbackResponse.objects.create(
        author=supervisee, programme=programme, session=session, supervisor=supervisor
    )
    answer = FeedbackAnswer.objects.create(
        response=response, question=question, text=f"Listening {marker}"
    )
    wellbeing = WellbeingCheckIn.objects.create(
        author=supervisee, organisation=organisation, feeling=2, comment=f"Low {marker}"
    )
    community = LearningCommunity.objects.create(name=f"{organisation.name} community")
    community.organisations.add(organisation)
    thread = CommunityThread.objects.create(
        community=community,
        author=peer_supporter,
        title=f"After a hard shift {marker}",
        body=f"How do you start the conversation {marker}",
    )
    reply = CommunityReply.objects.create(
        thread=thread, author=peer_supporter, body=f"I ask how they are sleeping {marker}"
    )
    return {
        "community_thread": thread,
        "community_reply": reply,
        "agreement": agreement,
        "cancelled_session": cancelled,
        "notification": notification,
        "time_away": away,
        "allowance_extra": extra,
        "membership": membership,
        "session_record": session_record,
        "group_record": group_record,
        "theme_statement": theme_statement,
        "support_request": support_request,
        "checkin": checkin,
        "journal_entry": journal_entry,
        "feedback_answer": answer,
        "wellbeing": wellbeing,
    }


def stored(model, field_name, pk):
    """What the database itself holds, past any field conversion."""
    field = model._meta.get_field(field_name)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(field.column)} FROM {quote(model._meta.db_table)} "  # noqa: S608
            f"WHERE {quote(model._meta.pk.column)} = %s",
            [pk],
        )
        return cursor.fetchone()[0]


def shows(field, value, marker) -> bool:
    """Whether a field's (decrypted) value carries the marker."""
    if isinstance(field, EncryptedJSONField):
        return marker in json.dumps(value)
    return marker in (value or "")


def assert_every_encrypted_field_is_covered(records, marker):
    """Every model with an encrypted field has a record here with the marker in each."""
    covered = {type(obj): obj for obj in records.values()}
    missing = []
    for model, fields in models_with_encrypted_fields():
        obj = covered.get(model)
        if obj is None:
            missing.append(model._meta.label)
            continue
        obj = model._default_manager.get(pk=obj.pk)
        missing += [
            f"{model._meta.label}.{f.name}"
            for f in fields
            if not shows(f, f.value_from_object(obj), marker)
        ]
    assert not missing, f"tests/confidential_records.py does not fill: {missing}"
