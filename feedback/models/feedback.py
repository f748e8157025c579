"""Session feedback: private to its author; others see totals released in batches of 3+ people."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kernel.models import Programme
from supervision.models import Session
from supervision_site.choices import ChoiceLabels
from supervision_site.encryption import EncryptedTextField


class QuestionKind(models.TextChoices):
    RATING = "rating", _("A rating from 1 to 5")
    TEXT = "text", _("Free text")


class FeedbackQuestion(ChoiceLabels, models.Model):
    """A question a programme asks after each session. Retired ones keep their answers.

    Once answered, a question's wording is what those answers were given
    under: rewording it retires it and asks a new question in its place
    (`replaced_by`), so answers are never relabelled (`services.feedback.question_update`).
    """

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="feedback_questions"
    )
    text = models.CharField(_("question"), max_length=300)
    kind = models.CharField(_("answer"), max_length=8, choices=QuestionKind.choices)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    retired = models.BooleanField(_("retired"), default=False)
    # Set when the question was reworded after people had answered it: this
    # wording is retired with its answers, and that question asks the new one.
    replaced_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("reworded as"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "position", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def reworded(self) -> bool:
        return self.replaced_by_id is not None


DEFAULT_QUESTIONS = (
    (_("I felt safe and able to speak openly"), QuestionKind.RATING),
    (_("The session was useful for my practice"), QuestionKind.RATING),
    (_("I will change something as a result"), QuestionKind.RATING),
    (_("Overall, how would you rate the session?"), QuestionKind.RATING),
    (_("What helped?"), QuestionKind.TEXT),
    (_("What could be better?"), QuestionKind.TEXT),
)


class FeedbackResponse(models.Model):
    """One person's feedback on one session (one-to-one or group meeting)."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_given"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="feedback"
    )
    # A group meeting (peergroups.GroupSession) by id: that app owns the table.
    group_session_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Whose session it was, for the aggregates they may see (never who said what).
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["author", "session"],
                condition=Q(session__isnull=False),
                name="feedback_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["author", "group_session_id"],
                condition=Q(group_session_id__isnull=False),
                name="feedback_once_per_group_meeting",
            ),
            models.CheckConstraint(
                condition=Q(session__isnull=False) ^ Q(group_session_id__isnull=False),
                name="feedback_on_one_session",
            ),
        ]

    def __str__(self) -> str:
        return f"Feedback {self.pk}"


class FeedbackAnswer(models.Model):
    response = models.ForeignKey(FeedbackResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(FeedbackQuestion, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    # Confidential: its author only.
    text = EncryptedTextField(blank=True, max_length=4000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_each"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="rating_one_to_five",
            ),
        ]

    def __str__(self) -> str:
        return f"Answer {self.pk}"
