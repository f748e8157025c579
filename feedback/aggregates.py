"""Totals of session feedback, for the people who ran the sessions and for reports.

Only ratings are ever totalled; free text is its author's alone. Below the
minimum number of responses nothing is shown, so no one person's answers can
be read off the totals.
"""

from dataclasses import dataclass

from django.db.models import Avg, Count, Q

from .models import FeedbackAnswer, QuestionKind

MINIMUM_RESPONSES = 3
RATINGS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class QuestionSummary:
    question_id: int
    text: str
    programme_name: str
    retired: bool
    count: int
    # None when fewer than the minimum answered this question (added later, say).
    mean: float | None
    distribution: tuple[tuple[int, int], ...] | None  # ((rating, how many), ...)

    @property
    def suppressed(self) -> bool:
        return self.mean is None


@dataclass(frozen=True)
class RatingSummary:
    responses: int
    questions: list[QuestionSummary]


def rating_summary(responses_queryset, minimum: int = MINIMUM_RESPONSES) -> RatingSummary | None:
    """Per rating question: how many answered, the mean and the 1-5 distribution.

    None when fewer than `minimum` responses exist. Two queries, however many
    responses or questions: the count, then one grouped aggregate.
    """
    total = responses_queryset.count()
    if total < minimum:
        return None
    by_rating = {f"r{value}": Count("pk", filter=Q(rating=value)) for value in RATINGS}
    rows = (
        FeedbackAnswer.objects.filter(
            response__in=responses_queryset.values("pk"),
            question__kind=QuestionKind.RATING,
            rating__isnull=False,
        )
        .values(
            "question_id",
            "question__text",
            "question__retired",
            "question__position",
            "question__programme__name",
        )
        .annotate(count=Count("pk"), mean=Avg("rating"), **by_rating)
        .order_by("question__programme__name", "question__position", "question_id")
    )
    questions = []
    for row in rows:
        enough = row["count"] >= minimum
        questions.append(
            QuestionSummary(
                question_id=row["question_id"],
                text=row["question__text"],
                programme_name=row["question__programme__name"],
                retired=row["question__retired"],
                count=row["count"],
                mean=round(float(row["mean"]), 1) if enough else None,
                distribution=tuple((v, row[f"r{v}"]) for v in RATINGS) if enough else None,
            )
        )
    return RatingSummary(responses=total, questions=questions)
