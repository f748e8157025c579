"""Every change to a fact the report counts reaches the roll-ups, in its own transaction.

Sessions, register entries, meetings and groups change through many services
(booking, logging, cancelling, moving, taking a register, cancelling or
moving a meeting, editing a group); each of them saves or deletes the model,
so connecting here keeps one rule (reports.services.refresh_rollups) on every
path without each service having to remember it. A person's staff details and
whether they are active are not copied into the roll-ups (the report reads
them through the person), so moving or deactivating someone needs nothing.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from feedback import reporting as feedback_reporting
from feedback.models import FeedbackAnswer, FeedbackQuestion, FeedbackResponse
from kernel.models import Theme
from kernel.signals import facts_written
from peergroups import reporting as group_reporting
from peergroups.models import Attendance, Group, GroupSession
from supervision import reporting as supervision_reporting
from supervision.models import Session, SessionRecord

from .services import refresh_rollups

# The kinds of roll-up row a change can touch: a session's month and programme are its
# themes' too.
SESSION, THEME, GROUP, RATING = ("session", "theme"), ("theme",), ("group",), ("rating",)

# What a write in bulk (kernel.signals.facts_written) of each model can touch.
KINDS_OF = {FeedbackAnswer: RATING, Attendance: GROUP, Session: SESSION}

# The fields the roll-ups are made of; a save that names others (update_fields) changes nothing.
COUNTED = {
    Session: {
        "status",
        "cancelled_by",
        "late_cancellation",
        "starts_at",
        "programme",
        "supervisee",
    },
    Attendance: {"status", "session", "user"},
    GroupSession: {"status", "starts_at", "group"},
    Group: {"programme", "organisation"},
    FeedbackAnswer: {"rating", "question", "response"},
    FeedbackResponse: {"author", "programme", "submitted_at"},
    FeedbackQuestion: {"kind"},
}


def _counted(sender, update_fields) -> bool:
    if update_fields is None:
        return True
    return bool(COUNTED[sender] & {name.removesuffix("_id") for name in update_fields})


def _deleting_the_person(origin) -> bool:
    """A person being erased takes their roll-up rows with them (ON DELETE CASCADE)."""
    model = getattr(origin, "model", type(origin))
    return model is get_user_model()


def _session_changed(sender, instance, created=False, update_fields=None, **kwargs):
    if _counted(sender, update_fields):
        # A new session has no record, so no themes yet.
        refresh_rollups([instance.supervisee_id], SESSION[:1] if created else SESSION)


def _entry_changed(sender, instance, origin=None, update_fields=None, **kwargs):
    if _counted(sender, update_fields) and not _deleting_the_person(origin):
        refresh_rollups([instance.user_id], GROUP)


def _meeting_changed(sender, instance, created=False, update_fields=None, **kwargs):
    if not created and _counted(sender, update_fields):  # a new meeting has no register
        refresh_rollups(group_reporting.people_at(meeting_ids=[instance.pk]), GROUP)


def _group_changed(sender, instance, created=False, update_fields=None, **kwargs):
    if not created and _counted(sender, update_fields):
        refresh_rollups(group_reporting.people_at(group_ids=[instance.pk]), GROUP)


def _record_gone(sender, instance, origin=None, **kwargs):
    refresh_rollups([supervision_reporting.supervisee_of(instance.session_id)], THEME)


def _record_themes_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # theme.sessionrecord_set changed: pk_set are records
        people = [supervision_reporting.supervisee_of(record) for record in pk_set or ()]
    else:
        people = [supervision_reporting.supervisee_of(instance.session_id)]
    refresh_rollups(people, THEME)


def _theme_going(sender, instance, **kwargs):
    instance.rollup_people = supervision_reporting.supervisees_with_theme(instance.pk)


def _theme_gone(sender, instance, **kwargs):
    refresh_rollups(getattr(instance, "rollup_people", []), THEME)


def _answer_changed(sender, instance, origin=None, update_fields=None, **kwargs):
    if _counted(sender, update_fields) and not _deleting_the_person(origin):
        author = feedback_reporting.author_of(instance.response_id)
        refresh_rollups([author], RATING)


def _response_changed(sender, instance, origin=None, update_fields=None, **kwargs):
    if _counted(sender, update_fields) and not _deleting_the_person(origin):
        refresh_rollups([instance.author_id], RATING)


def _question_changed(sender, instance, created=False, update_fields=None, **kwargs):
    if not created and _counted(sender, update_fields):
        refresh_rollups(feedback_reporting.authors_answering(instance.pk), RATING)


def _written_in_bulk(sender, people, **kwargs):
    refresh_rollups(people, KINDS_OF[sender])


def connect() -> None:
    for signal in (post_save, post_delete):
        signal.connect(_session_changed, sender=Session, dispatch_uid="rollups-session")
        signal.connect(_entry_changed, sender=Attendance, dispatch_uid="rollups-entry")
    post_save.connect(_meeting_changed, sender=GroupSession, dispatch_uid="rollups-meeting")
    post_save.connect(_group_changed, sender=Group, dispatch_uid="rollups-group")
    post_delete.connect(_record_gone, sender=SessionRecord, dispatch_uid="rollups-record")
    m2m_changed.connect(
        _record_themes_changed, sender=SessionRecord.themes.through, dispatch_uid="rollups-themes"
    )
    pre_delete.connect(_theme_going, sender=Theme, dispatch_uid="rollups-theme-going")
    post_delete.connect(_theme_gone, sender=Theme, dispatch_uid="rollups-theme-gone")
    for signal in (post_save, post_delete):
        signal.connect(_answer_changed, sender=FeedbackAnswer, dispatch_uid="rollups-answer")
        signal.connect(_response_changed, sender=FeedbackResponse, dispatch_uid="rollups-response")
    post_save.connect(_question_changed, sender=FeedbackQuestion, dispatch_uid="rollups-question")
    facts_written.connect(_written_in_bulk, dispatch_uid="rollups-bulk")
