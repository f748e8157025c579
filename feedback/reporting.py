"""What the feedback app offers the engagement reports: querysets over ratings and check-ins.

Only ratings and feelings are ever counted; free text is its author's alone.
Each function takes a `reports.scope.ReportScope` and returns a queryset
annotated with `month` and `person`, counted by the reports app.
"""

from django.db.models import F, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kernel.facts import fact_rows

from .models import (
    FeedbackAnswer,
    FeedbackQuestion,
    FeedbackResponse,
    QuestionKind,
    WellbeingCheckIn,
)


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
            month=scope.month("response__submitted_at"),
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
            month=scope.month("created_at"),
            person=F("author_id"),
            category=F("feeling"),
            score=F("feeling"),
        )
    )


def checkin_facts(user_ids=None):
    """(author, organisation, its time zone, when, department, band, profession, feeling)
    of the check-ins of these people (None: everyone's), in author order, streamed:
    what the report's check-in cells count (reports.checkin_cells)."""
    checkins = WellbeingCheckIn.objects.all()
    if user_ids is not None:
        checkins = checkins.filter(author_id__in=user_ids)
    return (
        checkins.order_by("author_id")
        .values_list(
            "author_id",
            "organisation_id",
            "organisation__time_zone",
            "created_at",
            "department_id",
            "band",
            "profession",
            "feeling",
        )
        .iterator(chunk_size=5000)
    )


def any_checkins() -> bool:
    """Whether anyone has made a wellbeing check-in (reports.services fills the check-in
    cells after `migrate` where there are some and no cells)."""
    return WellbeingCheckIn.objects.exists()


def rating_questions(scope, programmes) -> QuerySet:
    """The rating questions of `programmes` (the scope's), programme and new wording fetched,
    by programme name and then as the programme lists them (an earlier wording first)."""
    return (
        FeedbackQuestion.objects.filter(
            programme__in=programmes,
            programme__organisation_id=scope.organisation_id,
            kind=QuestionKind.RATING,
        )
        .select_related("programme", "replaced_by")
        .order_by("programme__name", "position", "pk")
    )


def question_label(question: FeedbackQuestion, scope) -> str:
    """A rating question as a report's row names it.

    Each wording is its own row, with the answers given under it: an earlier
    wording says until when it was asked, so two wordings are never read as
    one series.
    """
    label = f"{question.programme.name}: {question.text}"
    if question.replaced_by is None:
        return label
    until = timezone.localtime(question.replaced_by.created_at, scope.zone)
    return _("%(label)s (wording used until %(date)s)") % {
        "label": label,
        "date": formats.date_format(until, "j M Y"),
    }


def rating_key(question_id: int, rating: int | None) -> str:
    """What the report's roll-ups keep of one rating answer."""
    return f"{question_id}:{rating}"


def rating_facts(author_ids=None):
    """(person, organisation, programme, time zone, submitted_at, rating_key) of every
    rating answer `ratings()` counts, by `author_ids` (None: everyone's)."""
    answers = FeedbackAnswer.objects.filter(
        question__kind=QuestionKind.RATING,
        rating__isnull=False,
        response__submitted_at__isnull=False,
        response__author__isnull=False,
    )
    rows = fact_rows(
        answers,
        "response__author_id",
        author_ids,
        "response__programme__organisation",
        "response__programme",
        "response__submitted_at",
        "question_id",
        "rating",
    )
    for *fact, question, rating in rows:
        yield (*fact, rating_key(question, rating))


def authors_answering(question_id: int) -> list[int]:
    answers = FeedbackAnswer.objects.filter(question_id=question_id)
    return list(answers.values_list("response__author_id", flat=True).distinct())


def author_of(response_id: int) -> int | None:
    responses = FeedbackResponse.objects.filter(pk=response_id)
    return responses.values_list("author_id", flat=True).first()


def watch_facts(refresh) -> None:
    """Call `refresh(people, ("rating",))` in the transaction of every change to a feedback
    answer, response or question, and `refresh(people, ("checkin",))` of every change
    to a wellbeing check-in: the report's roll-ups (reports.rollup_signals) follow."""
    from django.db.models.signals import post_delete, post_save

    from kernel.facts import counted, deleting_the_person

    kinds = ("rating",)

    def answer_changed(sender, instance, origin=None, update_fields=None, **kwargs):
        if counted({"rating", "question", "response"}, update_fields) and not (
            deleting_the_person(origin)
        ):
            refresh([author_of(instance.response_id)], kinds)

    def response_changed(sender, instance, origin=None, update_fields=None, **kwargs):
        if counted({"author", "programme", "submitted_at"}, update_fields) and not (
            deleting_the_person(origin)
        ):
            refresh([instance.author_id], kinds)

    def question_changed(sender, instance, created=False, update_fields=None, **kwargs):
        if not created and counted({"kind"}, update_fields):
            refresh(authors_answering(instance.pk), kinds)

    for signal in (post_save, post_delete):
        signal.connect(
            answer_changed, sender=FeedbackAnswer, weak=False, dispatch_uid="rollups-answer"
        )
        signal.connect(
            response_changed, sender=FeedbackResponse, weak=False, dispatch_uid="rollups-response"
        )
    post_save.connect(
        question_changed, sender=FeedbackQuestion, weak=False, dispatch_uid="rollups-question"
    )

    def checkin_changed(sender, instance, origin=None, update_fields=None, **kwargs):
        described = {"author", "organisation", "department", "band", "profession", "feeling"}
        if counted({*described, "created_at"}, update_fields) and not (deleting_the_person(origin)):
            refresh([instance.author_id], ("checkin",))

    for signal in (post_save, post_delete):
        signal.connect(
            checkin_changed, sender=WellbeingCheckIn, weak=False, dispatch_uid="rollups-checkin"
        )
