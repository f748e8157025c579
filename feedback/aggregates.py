"""Totals of session feedback, for the people who ran the sessions.

Only ratings are ever totalled; free text is its author's alone. The totals
are about distinct people, never responses: nothing is shown until at least
`disclosure.feedback_minimum()` different people have responded, and a
question's mean and distribution only once that many different people have
answered it. Whoever ran the sessions sees them as released in batches
(`disclosure.feedback_release`), so no one person's answers can be read off
the difference between two visits to the page.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Case, Count, DateTimeField, Q, Value, When

import disclosure

from .models import FeedbackAnswer, QuestionKind

RATINGS = (1, 2, 3, 4, 5)


def _day_before(moment: datetime.datetime | None) -> datetime.date | None:
    """The last day a release point covers: it is the first moment it leaves out."""
    if moment is None:
        return None
    return (moment - datetime.timedelta(days=1)).date()


@dataclass(frozen=True)
class QuestionSummary:
    question_id: int
    text: str
    programme_name: str
    retired: bool
    # Not asked in these words since they changed: a wording's answers stay under it.
    reworded: bool
    # Answers behind the figures; None, like the figures, while too few people answered.
    count: int | None
    mean: float | None
    distribution: tuple[tuple[int, int], ...] | None  # ((rating, how many), ...)
    # The figures cover answers given before this (batch release only).
    until: datetime.datetime | None = None

    @property
    def suppressed(self) -> bool:
        return self.mean is None

    @property
    def up_to(self) -> datetime.date | None:
        return _day_before(self.until)


@dataclass(frozen=True)
class RatingSummary:
    responses: int
    people: int  # distinct people behind the responses
    questions: list[QuestionSummary]
    until: datetime.datetime | None = None  # responses given before this are counted

    @property
    def up_to(self) -> datetime.date | None:
        return _day_before(self.until)

    @property
    def any_shown(self) -> bool:
        """Whether any question has figures (the people may have answered different ones)."""
        return any(not question.suppressed for question in self.questions)

    @property
    def several_programmes(self) -> bool:
        """Questions of more than one programme (each programme has its own, maybe alike)."""
        return len({question.programme_name for question in self.questions}) > 1


def _question_cutoffs(answers, until, time_zone: str, minimum: int) -> dict[int, datetime.datetime]:
    """Each question's own release point, no later than `until`.

    A release is a batch of at least `minimum` different people, but not every
    one of them answers every question (sessions of two programmes with
    different questions, a question added since). So a question's figures move
    only when its own answers gather `minimum` different people since they last
    moved: otherwise the change in one question between two releases could be
    one person's rating. One query, whatever the number of questions.
    """
    rows = defaultdict(list)
    for question_id, submitted_at, author_id in answers.values_list(
        "question_id", "response__submitted_at", "response__author_id"
    ).order_by():
        rows[question_id].append((submitted_at, author_id))
    cutoffs = {}
    for question_id, responses in rows.items():
        release = disclosure.feedback_release(
            responses, now=until, time_zone=time_zone, minimum=minimum
        )
        if release.until is not None:
            cutoffs[question_id] = release.until
    return cutoffs


def rating_summary(
    responses_queryset,
    minimum: int | None = None,
    *,
    until: datetime.datetime | None = None,
    time_zone: str = "Europe/London",
) -> RatingSummary | None:
    """Per rating question: how many answered, the mean and the 1-5 distribution.

    None when the responses come from fewer than `minimum` different people
    (`disclosure.feedback_minimum()` unless given). A question's mean and
    distribution are there only when at least `minimum` different people
    answered it.

    With `until` (a release point from `disclosure.feedback_release`), only
    responses given before it count, and each question's figures are those of
    its own last batch of `minimum` or more people (see `_question_cutoffs`).

    A fixed number of queries however many responses or questions: the totals,
    (with `until`) the answers' dates and authors, then one grouped aggregate.
    """
    minimum = minimum or disclosure.feedback_minimum()
    if until is not None:
        responses_queryset = responses_queryset.filter(submitted_at__lt=until)
    totals = responses_queryset.order_by().aggregate(
        responses=Count("pk"), people=Count("author_id", distinct=True)
    )
    if totals["people"] < minimum:
        return None
    answers = FeedbackAnswer.objects.filter(
        response__in=responses_queryset.values("pk"),
        question__kind=QuestionKind.RATING,
        rating__isnull=False,
    )
    cutoffs = {}
    released = Q(pk__isnull=False)  # every answer
    if until is not None:
        cutoffs = _question_cutoffs(answers, until, time_zone, minimum)
        cutoff = Case(
            *(
                When(question_id=question_id, then=Value(moment, output_field=DateTimeField()))
                for question_id, moment in cutoffs.items()
            ),
            default=Value(None),
            output_field=DateTimeField(),
        )
        released = Q(response__submitted_at__lt=cutoff)  # never true without a cutoff
    by_rating = {f"r{value}": Count("pk", filter=released & Q(rating=value)) for value in RATINGS}
    rows = (
        answers.values(
            "question_id",
            "question__text",
            "question__retired",
            "question__replaced_by",
            "question__position",
            "question__programme__name",
        )
        .annotate(
            count=Count("pk", filter=released),
            people=Count("response__author", distinct=True, filter=released),
            mean=Avg("rating", filter=released),
            **by_rating,
        )
        .order_by("question__programme__name", "question__position", "question_id")
    )
    questions = []
    for row in rows:
        enough = row["people"] >= minimum
        questions.append(
            QuestionSummary(
                question_id=row["question_id"],
                text=row["question__text"],
                programme_name=row["question__programme__name"],
                retired=row["question__retired"],
                reworded=row["question__replaced_by"] is not None,
                count=row["count"] if enough else None,
                mean=round(float(row["mean"]), 1) if enough else None,
                distribution=tuple((v, row[f"r{v}"]) for v in RATINGS) if enough else None,
                until=cutoffs.get(row["question_id"]) if enough else None,
            )
        )
    return RatingSummary(
        responses=totals["responses"], people=totals["people"], questions=questions, until=until
    )


def released_summary(
    responses_queryset, *, now: datetime.datetime, time_zone: str, minimum: int | None = None
) -> RatingSummary | None:
    """The totals of `responses_queryset` released by `now`: batches of a calendar month
    and at least `minimum` different people (`disclosure.feedback_release`); None while
    nothing is released."""
    minimum = minimum or disclosure.feedback_minimum()
    release = disclosure.feedback_release(
        responses_queryset.order_by().values_list("submitted_at", "author_id"),
        now=now,
        time_zone=time_zone,
        minimum=minimum,
    )
    if release.until is None:
        return None
    return rating_summary(
        responses_queryset, minimum=minimum, until=release.until, time_zone=time_zone
    )
