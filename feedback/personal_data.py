"""A person's own data held by feedback, and erasing a leaver's private text.

Per the confidentiality table (DESIGN.md) a person gets what they wrote:
their feedback with its answers, their journal, their wellbeing check-ins, their
answers to a programme's wellbeing measure and their improvement ideas.
Aggregates of feedback about sessions they ran are not theirs (they are built
from other people's answers) and are not included.
"""

from typing import Any

from django.db.models import Prefetch

from accounts.personal_data import blank_fields

from .journal_templates import PROMPTS, chosen_code_themes
from .models import (
    FeedbackAnswer,
    FeedbackResponse,
    ImprovementIdea,
    JournalEntry,
    MeasureResponse,
    WellbeingCheckIn,
)


def _sections(entry: JournalEntry) -> dict[str, str]:
    """The entry's text under its prompts' headings, in the template's order."""
    sections = dict(entry.sections or {})
    labelled = {}
    for prompt in PROMPTS.get(entry.template, ()):
        if prompt.key in sections:
            labelled[str(prompt.label)] = sections.pop(prompt.key)
    labelled.update(sections)  # anything no longer in the template, under its key
    return labelled


def _feedback(user) -> list[dict[str, Any]]:
    responses = (
        FeedbackResponse.objects.filter(author=user)
        .select_related("programme", "session")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=FeedbackAnswer.objects.select_related("question").order_by(
                    "question__position", "question__pk"
                ),
            )
        )
        .order_by("submitted_at", "pk")
    )
    return [
        {
            "submitted": response.submitted_at,
            "programme": response.programme.name,
            "session_starts": response.session.starts_at if response.session else None,
            "group_meeting_number": response.group_session_id,
            "answers": [
                {"question": answer.question.text, "rating": answer.rating, "text": answer.text}
                for answer in response.answers.all()
            ],
        }
        for response in responses
    ]


def export_for(user) -> dict[str, Any]:
    """Everything feedback holds that `user` wrote."""
    return {
        "session_feedback": _feedback(user),
        "journal_entries": [
            {
                "title": entry.title,
                "template": entry.get_template_display(),
                "when_it_happened": entry.occurred_on,
                "sections": _sections(entry),
                "themes_of_the_code": chosen_code_themes(entry),
                "session_number": entry.session_id,
                "group_meeting_number": entry.group_session_id,
                "written": entry.created_at,
                "last_changed": entry.updated_at,
            }
            for entry in JournalEntry.objects.filter(author=user).order_by("created_at", "pk")
        ],
        "wellbeing_check_ins": [
            {
                "when": checkin.created_at,
                "feeling_about_work": checkin.feeling,
                "comment": checkin.comment,
                "asked_for_peer_support": checkin.wants_peer_support,
            }
            for checkin in WellbeingCheckIn.objects.filter(author=user).order_by("created_at", "pk")
        ],
        "wellbeing_measure_answers": [
            {
                "programme": response.measure.programme.name,
                "when": response.submitted_at,
                "time": response.occasion + 1,
                "answers": response.answers,
                "score": response.raw_score,
            }
            for response in MeasureResponse.objects.filter(author=user)
            .select_related("measure__programme")
            .order_by("submitted_at", "pk")
        ],
        "improvement_ideas": [
            {
                "title": idea.title,
                "description": idea.description,
                "who_is_involved": idea.team,
                "status": idea.get_status_display(),
                "came_out_of_supervision": idea.from_supervision,
                # The words above are not all theirs after such an edit.
                "edited_by_a_programme_admin": idea.words_edited_at,
                "added": idea.created_at,
                "last_changed": idea.updated_at,
            }
            for idea in ImprovementIdea.objects.filter(author=user).order_by("created_at", "pk")
        ],
    }


def erase_private_text(user) -> dict[str, int]:
    """Delete a leaver's journal; blank their feedback and wellbeing comments.

    Kept: ratings and check-in scores (the aggregates count them) and
    improvement ideas, which were shared with the department on purpose.
    """
    _, deleted = JournalEntry.objects.filter(author=user).delete()
    return {
        "journal_entries": deleted.get(JournalEntry._meta.label, 0),
        "wellbeing_comments": blank_fields(WellbeingCheckIn.objects.filter(author=user), "comment"),
        "feedback_text": blank_fields(FeedbackAnswer.objects.filter(response__author=user), "text"),
    }
