"""Reserving people's time so that nobody is in two sessions at once.

PostgreSQL refuses an overlapping commitment through an exclusion constraint,
even when two bookings race. SQLite has none; there every transaction begins
IMMEDIATE (see the settings), so writers take turns and the overlap check
below is decisive. Other apps (group sessions) reserve time through these
functions too.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import Commitment


class TimeTaken(Exception):
    """Someone involved is already committed to an overlapping session."""


def first_clash(
    user_ids, starts_at, ends_at, *, exclude_session=None, exclude_group_session_id=None
) -> Commitment | None:
    """The first commitment of any of these people overlapping the time, or None."""
    clashes = Commitment.objects.filter(
        user_id__in=user_ids, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).select_related("user", "session__programme__organisation")
    if exclude_session is not None:
        clashes = clashes.exclude(session=exclude_session)
    if exclude_group_session_id is not None:
        clashes = clashes.exclude(group_session_id=exclude_group_session_id)
    return clashes.first()


def committed_to_group_session(group_session_id: int) -> list[int]:
    """Ids of the people whose time a group meeting holds."""
    return list(
        Commitment.objects.filter(group_session_id=group_session_id).values_list(
            "user_id", flat=True
        )
    )


def commitments_reserve(*, user_ids, starts_at, ends_at, session=None) -> None:
    """Commit each person's time to the session, or raise TimeTaken."""
    if first_clash(user_ids, starts_at, ends_at, exclude_session=session) is not None:
        raise TimeTaken(_("That time is no longer free."))
    try:
        with transaction.atomic():
            Commitment.objects.bulk_create(
                Commitment(user_id=uid, starts_at=starts_at, ends_at=ends_at, session=session)
                for uid in user_ids
            )
    except IntegrityError as error:
        raise TimeTaken(_("Someone has just booked that time.")) from error


def commitments_move(*, session, starts_at, ends_at) -> None:
    """Move a session's commitments to new times, or raise TimeTaken."""
    user_ids = list(session.commitments.values_list("user_id", flat=True))
    if first_clash(user_ids, starts_at, ends_at, exclude_session=session) is not None:
        raise TimeTaken(_("That time is no longer free."))
    try:
        with transaction.atomic():
            session.commitments.update(starts_at=starts_at, ends_at=ends_at)
    except IntegrityError as error:
        raise TimeTaken(_("Someone has just booked that time.")) from error


def commitments_release(*, session) -> None:
    session.commitments.all().delete()


# --- Group meetings (peergroups) ---------------------------------------------------


def commitments_reserve_group(*, user_ids, starts_at, ends_at, group_session_id: int) -> None:
    """Commit each person's time to a group meeting, or raise TimeTaken."""
    clash = Commitment.objects.filter(
        user_id__in=user_ids, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exclude(group_session_id=group_session_id)
    if clash.exists():
        raise TimeTaken(_("That time is no longer free."))
    try:
        with transaction.atomic():
            Commitment.objects.bulk_create(
                Commitment(
                    user_id=uid,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    group_session_id=group_session_id,
                )
                for uid in user_ids
            )
    except IntegrityError as error:
        raise TimeTaken(_("Someone has just booked that time.")) from error


def commitments_move_group(*, group_session_id: int, starts_at, ends_at) -> None:
    """Move everyone's commitments to a group meeting to new times, or raise TimeTaken."""
    mine = Commitment.objects.filter(group_session_id=group_session_id)
    clash = Commitment.objects.filter(
        user_id__in=mine.values("user_id"), starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exclude(group_session_id=group_session_id)
    if clash.exists():
        raise TimeTaken(_("That time is no longer free."))
    try:
        with transaction.atomic():
            mine.update(starts_at=starts_at, ends_at=ends_at)
    except IntegrityError as error:
        raise TimeTaken(_("Someone has just booked that time.")) from error


def commitments_release_group(group_session_id: int, user_ids=None) -> None:
    """Free the time given to a group meeting: everyone's, or only `user_ids`'."""
    mine = Commitment.objects.filter(group_session_id=group_session_id)
    if user_ids is not None:
        mine = mine.filter(user_id__in=user_ids)
    mine.delete()
