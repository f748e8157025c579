"""What the feedback app offers the engagement reports: querysets over ratings and check-ins.

Only ratings and feelings are ever counted; free text is its author's alone.
Each function takes a `reports.scope.ReportScope` and returns a queryset
annotated with `month` and `person`, counted by the reports app.
"""

from django.db.models import F, QuerySet
from django.db.models.functions import TruncMonth

from .models import FeedbackAnswer, FeedbackQuestion, QuestionKind, WellbeingCheckIn


def ratings(scope) -> QuerySet:
    """Rating answers given in the period, with `month`, `person` and `category` (1-5)."""
    return (
        FeedbackAnswer.objects.filter(
            question__kind=QuestionKind.RATING,
            rating__isnull=False,
            response__programme__organisation_id=scope.organisation_id,
            response__submitted_at__gte=scope.start,
            response__submitted_at__lt=scope.end,
        )
        .filter(scope.programme_q("response__programme_id"))
        .filter(scope.people_q("response__author__profile__"))
        .annotate(
            month=TruncMonth("response__submitted_at", tzinfo=scope.zone),
            person=F("response__author_id"),
            category=F("rating"),
            score=F("rating"),
        )
    )


def checkins(scope) -> QuerySet:
    """Wellbeing check-ins in the period, with `month`, `person` and `category` (feeling).

    Department, band and profession are those the person had when they
    checked in (kept on the check-in), so the people filters apply to it directly.
    """
    return (
        WellbeingCheckIn.objects.filter(created_at__gte=scope.start, created_at__lt=scope.end)
        .filter(scope.people_q(""))
        .annotate(
            month=TruncMonth("created_at", tzinfo=scope.zone),
            person=F("author_id"),
            category=F("feeling"),
            score=F("feeling"),
        )
    )


def rating_questions(scope, programmes) -> QuerySet:
    """The rating questions of `programmes` (the scope's), programme fetched, by programme name."""
    return (
        FeedbackQuestion.objects.filter(
            programme__in=programmes,
            programme__organisation_id=scope.organisation_id,
            kind=QuestionKind.RATING,
        )
        .select_related("programme")
        .order_by("programme__name")
    )
