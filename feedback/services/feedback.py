"""Writes for session feedback: questions per programme, and one response per session.

Audit entries carry ids only: never an answer, never a rating.
"""

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from kernel.models import Programme
from kernel.signals import facts_written

from ..models.feedback import (
    DEFAULT_QUESTIONS,
    FeedbackAnswer,
    FeedbackQuestion,
    FeedbackResponse,
    QuestionKind,
)

if TYPE_CHECKING:  # annotations only: feedback reads no other app's tables
    from peergroups.models import GroupSession
    from supervision.models import Session


@transaction.atomic
def questions_for(programme: Programme) -> list[FeedbackQuestion]:
    """The programme's current questions, in order; seeded with the defaults the first time."""
    if not FeedbackQuestion.objects.filter(programme=programme).exists():
        # Lock the programme so two first responses cannot both seed it.
        Programme.objects.select_for_update().filter(pk=programme.pk).first()
        if not FeedbackQuestion.objects.filter(programme=programme).exists():
            FeedbackQuestion.objects.bulk_create(
                FeedbackQuestion(programme=programme, text=str(text), kind=kind, position=i)
                for i, (text, kind) in enumerate(DEFAULT_QUESTIONS, start=1)
            )
    return list(FeedbackQuestion.objects.filter(programme=programme, retired=False))


def session_open_for_feedback(session: "Session", now=None) -> bool:
    """Feedback opens when the session has ended (the prompt goes out then), logged or not."""
    return session.has_happened(now or timezone.now())


def meeting_open_for_feedback(meeting: "GroupSession", now=None) -> bool:
    return meeting.has_happened(now or timezone.now())


def feedback_given(*, author, session: "Session | None" = None, meeting=None) -> bool:
    if session is not None:
        return FeedbackResponse.objects.filter(author=author, session=session).exists()
    return FeedbackResponse.objects.filter(author=author, group_session_id=meeting.pk).exists()


def _check_still_asked(questions, programme: Programme) -> None:
    """Refuse answers to questions no longer asked, or no longer in the words shown.

    The questions are locked until the answers are saved, so a rewording
    (`question_update`) happens wholly before or after them: an answer is
    never kept under words the person was not shown.
    """
    # In the model's order, as `question_move` locks them, so the two never deadlock.
    locked = FeedbackQuestion.objects.select_for_update().filter(pk__in=[q.pk for q in questions])
    current = {question.pk: question for question in locked}
    for question in questions:
        now = current.get(question.pk)
        if (
            now is None
            or now.programme_id != programme.pk
            or now.retired
            or now.text != question.text
        ):
            raise ValidationError(_("The questions have changed. Please try again."))


@transaction.atomic
def feedback_submit(
    *,
    author,
    answers: Mapping[FeedbackQuestion, int | str | None],
    session: "Session | None" = None,
    meeting: "GroupSession | None" = None,
) -> FeedbackResponse:
    """Record one person's feedback on one session or group meeting, once.

    Raises ValidationError when it was given already, the session has not
    happened, or a question is not one of the programme's current questions.
    """
    if (session is None) == (meeting is None):
        raise ValueError("feedback is on a session or a meeting")
    if session is not None:
        programme, open_now = session.programme, session_open_for_feedback(session)
        response = FeedbackResponse(
            author=author, programme=programme, session=session, supervisor=session.supervisor
        )
    elif meeting is not None:  # always, by the check above
        programme, open_now = meeting.group.programme, meeting_open_for_feedback(meeting)
        # Two facilitators may run a meeting: totals for them go by the group, not this field.
        response = FeedbackResponse(
            author=author, programme=programme, group_session_id=meeting.pk, supervisor=None
        )
    if not open_now:
        raise ValidationError(_("You can give feedback once the session has taken place."))
    if feedback_given(author=author, session=session, meeting=meeting):
        raise ValidationError(_("You have already given feedback on this session. Thank you."))
    _check_still_asked(answers, programme)
    # A meeting has no single supervisor (it may have two facilitators): left empty.
    response.full_clean(exclude=["supervisor"] if meeting is not None else None)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        # Submitted twice at the same moment: the first one stands.
        raise ValidationError(
            _("You have already given feedback on this session. Thank you.")
        ) from None
    rows = []
    for question, value in answers.items():
        if question.kind == QuestionKind.RATING:
            answer = FeedbackAnswer(response=response, question=question, rating=value)
        elif value:
            answer = FeedbackAnswer(response=response, question=question, text=str(value))
        else:
            continue
        answer.full_clean(exclude=["response"])
        rows.append(answer)
    FeedbackAnswer.objects.bulk_create(rows)
    facts_written.send(sender=FeedbackAnswer, people=[author.pk], kinds=("rating",))
    details = {"programme_id": programme.pk}
    if session is not None:
        details["session_id"] = session.pk
    elif meeting is not None:
        details["group_session_id"] = meeting.pk
    audit_log(
        actor=author,
        action="feedback.given",
        target=response,
        organisation_id=programme.organisation_id,
        summary=f"Feedback {response.pk} given",
        details=details,
    )
    return response


# --- Questions (programme admins) ----------------------------------------------


@transaction.atomic
def question_create(*, actor, programme: Programme, text: str, kind: str) -> FeedbackQuestion:
    """Add a question at the end of the programme's list."""
    questions_for(programme)  # a programme's first own question comes after the defaults
    last = FeedbackQuestion.objects.filter(programme=programme).aggregate(m=Max("position"))["m"]
    question = FeedbackQuestion(
        programme=programme, text=text.strip(), kind=kind, position=(last or 0) + 1
    )
    question.full_clean()
    question.save()
    _audit(actor, question, "feedback_question.added", "Added feedback question")
    return question


IN_PLACE, NEW_QUESTION, REFUSED = "in_place", "new_question", "refused"


def rewording_of(question: FeedbackQuestion) -> str:
    """What a new wording does to this question (short of a change of punctuation alone).

    IN_PLACE: nobody has answered it, so nothing is relabelled. NEW_QUESTION:
    its answers keep these words, and a new question asks the new ones.
    REFUSED: it is retired and answered, so its words stay as they were.
    """
    if not FeedbackAnswer.objects.filter(question=question).exists():
        return IN_PLACE
    return REFUSED if question.retired else NEW_QUESTION


def same_words(one: str, other: str) -> bool:
    """Whether two wordings differ only in capitals, spaces or punctuation: the same question."""
    return re.findall(r"\w+", one.casefold()) == re.findall(r"\w+", other.casefold())


@transaction.atomic
def question_update(*, actor, question: FeedbackQuestion, text: str) -> FeedbackQuestion:
    """Reword a question; returns the question that now asks it.

    Answers keep the wording they were given under. A question nobody has
    answered yet is changed in place, and so is any question when only
    capitals, spaces or punctuation change (the same question, so its answers
    stay one series). A question people have answered is otherwise retired,
    keeping its wording and its answers, and a new question with the new
    wording takes its place in the list: reports and totals show the past
    answers under their own words and the new ones apart. A retired question
    with answers keeps its wording: add a new question instead. Its kind
    never changes.
    """
    question = (
        FeedbackQuestion.objects.select_for_update().select_related("programme").get(pk=question.pk)
    )
    text = text.strip()
    if text == question.text:
        return question
    rewording = rewording_of(question)
    if rewording == IN_PLACE or same_words(text, question.text):
        question.text = text
        question.full_clean()
        question.save(update_fields=["text"])
        _audit(actor, question, "feedback_question.changed", "Changed feedback question")
        return question
    if rewording == REFUSED:
        raise ValidationError(
            _(
                "People answered this question in these words and it is no longer asked, "
                "so its wording cannot change. Add a new question instead"
            )
        )
    new = FeedbackQuestion(
        programme=question.programme, text=text, kind=question.kind, position=question.position
    )
    new.full_clean()
    new.save()
    question.retired, question.replaced_by = True, new
    question.save(update_fields=["retired", "replaced_by"])
    _audit(
        actor,
        question,
        "feedback_question.reworded",
        "Reworded feedback question",
        replaced_by=new.pk,
    )
    return new


@transaction.atomic
def question_move(*, actor, question: FeedbackQuestion, direction: str) -> FeedbackQuestion:
    """Swap a question with its neighbour above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Choose up or down."))
    siblings = list(
        FeedbackQuestion.objects.select_for_update().filter(programme_id=question.programme_id)
    )
    index = next(i for i, q in enumerate(siblings) if q.pk == question.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return question
    siblings[index], siblings[other] = siblings[other], siblings[index]
    # Renumber from 1, which also mends equal positions.
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position
    FeedbackQuestion.objects.bulk_update(siblings, ["position"])
    question.position = next(q.position for q in siblings if q.pk == question.pk)
    _audit(actor, question, "feedback_question.moved", f"Moved feedback question {direction}")
    return question


@transaction.atomic
def question_set_retired(*, actor, question: FeedbackQuestion, retired: bool) -> FeedbackQuestion:
    """Retire a question (no longer asked; its answers stay) or restore it.

    A reworded question is not restored: its new wording is asked in its place.
    """
    if question.retired == retired:
        return question
    if question.reworded:
        raise ValidationError(
            _(
                "This wording was replaced by “%(text)s”, which is asked instead. "
                "Change the new question's wording if you need to"
            )
            % {"text": question.replaced_by}
        )
    question.retired = retired
    question.save(update_fields=["retired"])
    action = "feedback_question.retired" if retired else "feedback_question.restored"
    summary = "Retired feedback question" if retired else "Restored feedback question"
    _audit(actor, question, action, summary)
    return question


def _audit(actor, question: FeedbackQuestion, action: str, summary: str, **details) -> None:
    audit_log(
        actor=actor,
        action=action,
        target=question,
        organisation_id=question.programme.organisation_id,
        summary=f"{summary} {question.pk}",
        details={"programme_id": question.programme_id, **details},
    )
