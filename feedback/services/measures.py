"""Writes for the wellbeing measure: setting it up on a programme, and one person's answers.

When someone answers next is decided here (`next_due`), for the answer page,
the prompt and its schedule alike: the first time when they join the programme
(or when the measure is set up, if they joined before), then `interval_months`
after their last answers. Audit entries carry ids only: never an answer or a score.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from kernel.models import Programme

from ..models import MeasureResponse, WellbeingMeasure
from ..models.measures import SWEMWBS_STATEMENTS
from .feedback import same_words


@dataclass(frozen=True)
class Due:
    occasion: int  # 0: at joining; 1, 2, ...: the follow-ups
    due_at: datetime.datetime

    def open(self, now: datetime.datetime) -> bool:
        return self.due_at <= now


def next_due(
    measure: WellbeingMeasure,
    joined: datetime.datetime,
    answered: int,
    last_answered_at: datetime.datetime | None,
) -> Due:
    """The person's next answers: which occasion, and from when. `answered` is how many
    times they have answered; `last_answered_at` when they last did."""
    if answered == 0 or last_answered_at is None:
        return Due(0, max(joined, measure.created_at))
    return Due(answered, last_answered_at + relativedelta(months=measure.interval_months))


def due_for(measure: WellbeingMeasure, joined: datetime.datetime, responses) -> Due:
    """`next_due` from the person's own responses to the measure (oldest first)."""
    responses = list(responses)
    last = responses[-1].submitted_at if responses else None
    return next_due(measure, joined, len(responses), last)


def _clean_statements(statements) -> list[str]:
    statements = [str(statement).strip() for statement in statements]
    if len(statements) != SWEMWBS_STATEMENTS or not all(statements):
        raise ValidationError(
            _("Enter all %(count)s statements, in order") % {"count": SWEMWBS_STATEMENTS}
        )
    return statements


def _reworded(new: list[str], old: list[str]) -> bool:
    """Whether any statement says something else (not only other capitals or punctuation)."""
    return len(new) != len(old) or not all(map(same_words, new, old))


@transaction.atomic
def measure_save(
    *,
    actor,
    programme: Programme,
    statements,
    interval_months: int,
    licence: str,
    is_active: bool = True,
) -> WellbeingMeasure:
    """Attach the measure to a programme, or change it.

    Once anyone has answered, a statement's wording may change only in
    capitals, spaces or punctuation: answers keep the words they were given to.
    """
    statements = _clean_statements(statements)
    measure = WellbeingMeasure.objects.select_for_update().filter(programme=programme).first()
    created = measure is None
    if measure is None:
        measure = WellbeingMeasure(programme=programme)
    elif _reworded(statements, measure.statements) and measure.responses.exists():
        raise ValidationError(
            _(
                "People have answered these statements, so their wording cannot change "
                "(only capitals, spaces and punctuation)"
            )
        )
    measure.statements = statements
    measure.interval_months = interval_months
    measure.licence = licence.strip()
    measure.is_active = is_active
    measure.full_clean(exclude=["programme"])
    measure.save()
    audit_log(
        actor=actor,
        action="wellbeing_measure.added" if created else "wellbeing_measure.changed",
        target=measure,
        organisation_id=programme.organisation_id,
        summary=f"Wellbeing measure {'added to' if created else 'changed for'} {programme.name}",
        details={"programme_id": programme.pk, "active": is_active},
    )
    return measure


def _clean_answers(answers) -> list[int]:
    try:
        answers = [int(answer) for answer in answers]
    except (TypeError, ValueError):
        answers = []
    if len(answers) != SWEMWBS_STATEMENTS or any(not 1 <= a <= 5 for a in answers):
        raise ValidationError(_("Answer each statement from 1 to 5"))
    return answers


@transaction.atomic
def measure_answer(
    *, actor, measure: WellbeingMeasure, joined: datetime.datetime, answers, now=None
) -> MeasureResponse:
    """Record one person's answers, when they are due: theirs alone from then on.

    `joined`: when they joined the programme (from the permission helper that
    found them taking part). Raises ValidationError when the measure is not
    being asked, or their next answers are not due yet.
    """
    now = now or timezone.now()
    if not measure.is_active:
        raise ValidationError(_("This programme is not asking these questions at the moment."))
    answers = _clean_answers(answers)
    due = due_for(measure, joined, measure.responses.filter(author=actor).order_by("occasion"))
    if not due.open(now):
        zone = zoneinfo.ZoneInfo(measure.programme.organisation.time_zone)
        raise ValidationError(
            _("Thank you: your next answers are due on %(date)s.")
            % {"date": formats.date_format(due.due_at.astimezone(zone), "j F Y")}
        )
    response = MeasureResponse(
        measure=measure,
        author=actor,
        occasion=due.occasion,
        answers=answers,
        raw_score=sum(answers),
    )
    response.full_clean()
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        # Sent twice at the same moment: the first one stands.
        raise ValidationError(_("You have already answered these questions. Thank you.")) from None
    audit_log(
        actor=actor,
        action="wellbeing_measure.answered",
        target=response,
        organisation_id=measure.programme.organisation_id,
        summary=f"Wellbeing measure answered (time {due.occasion + 1})",
        details={"measure_id": measure.pk, "occasion": due.occasion},
    )
    return response
