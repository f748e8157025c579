"""Forms for session feedback and for the questions programme admins keep."""

import hashlib

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import Form

from .models import FeedbackQuestion, QuestionKind

RATING_CHOICES = [
    (1, _("1 - Strongly disagree or very poor")),
    (2, _("2")),
    (3, _("3")),
    (4, _("4")),
    (5, _("5 - Strongly agree or excellent")),
]


def wording_key(questions: list[FeedbackQuestion]) -> str:
    """A short fingerprint of the questions and their words, as the form showed them."""
    words = "\n".join(f"{question.pk}:{question.text}" for question in questions)
    return hashlib.sha256(words.encode()).hexdigest()[:16]


class ShownAnew(forms.CharField):
    """A field whose page always carries its initial value, whatever was posted (it is
    cleaned from what was posted)."""

    def bound_data(self, data, initial):
        return initial


class FeedbackForm(Form):
    """One field per current question: ratings required, free text optional.

    `asked` carries the wording the page showed: if a question was reworded
    while the person was answering, they are shown the new words and asked
    again, so no answer is kept under words they did not see.
    """

    asked = ShownAnew(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, questions: list[FeedbackQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.fields["asked"].initial = wording_key(questions)
        # A question is named in its errors, as the error summary lists them all.
        self.error_names = {
            self.field_name(q): _("your answer to “%(question)s”") % {"question": q.text}
            for q in questions
        }
        for question in questions:
            field: forms.Field
            if question.kind == QuestionKind.RATING:
                missing = _("Select a rating from 1 to 5 for “%(question)s”") % {
                    "question": question.text
                }
                field = forms.TypedChoiceField(
                    label=question.text,
                    choices=RATING_CHOICES,
                    coerce=int,
                    widget=forms.RadioSelect,
                    error_messages={"required": missing, "invalid_choice": missing},
                )
            else:
                field = forms.CharField(
                    label=question.text,
                    required=False,
                    max_length=4000,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text=_("Optional. Only you can see what you write here."),
                )
            self.fields[self.field_name(question)] = field

    @staticmethod
    def field_name(question: FeedbackQuestion) -> str:
        return f"question_{question.pk}"

    def clean(self):
        data = super().clean() or {}
        shown = data.get("asked")  # absent when posted by other means than the page
        if shown and shown != wording_key(self.questions):
            raise forms.ValidationError(
                _(
                    "The questions changed while you were answering. Check your answers to "
                    "the questions below and send them again"
                )
            )
        return data

    def answers(self) -> dict[FeedbackQuestion, int | str | None]:
        return {q: self.cleaned_data.get(self.field_name(q)) for q in self.questions}


class QuestionForm(Form):
    error_names = {"kind": _("how people answer")}

    text = forms.CharField(
        label=_("Question"),
        max_length=300,
        error_messages={"required": _("Enter the question")},
    )
    kind = forms.ChoiceField(
        label=_("Answer"),
        choices=QuestionKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how people answer")},
    )


class QuestionEditForm(Form):
    text = forms.CharField(
        label=_("Question"),
        max_length=300,
        error_messages={"required": _("Enter the question")},
        help_text=_("How people answer cannot change: answers already given keep their meaning."),
    )
