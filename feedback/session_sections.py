"""What a one-to-one session's page shows of feedback (a section the session page includes).

Once the session has happened its supervisee is offered the form; once they
have given feedback, the page shows them their own answers. Nobody else is
given anything here: whoever ran the session sees only released totals
(DESIGN.md, Confidentiality). Registered with supervision.session_sections, so
the session page never imports this app.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from .models import FeedbackResponse
from .permissions import own_feedback_on_session
from .services.feedback import session_open_for_feedback

TEMPLATE = "feedback/session_feedback/on_session.html"


def answer_rows(response: FeedbackResponse) -> list[dict]:
    """Each answer given, as the page shows it: the question and the rating or the words."""
    rows = []
    for answer in response.answers.all():
        if answer.rating is not None:
            value = _("%(rating)s out of 5") % {"rating": answer.rating}
        else:
            value = answer.text
        rows.append({"question": answer.question.text, "answer": value})
    return rows


def feedback_on_session(user, session, now) -> dict | None:
    """For the session's supervisee once it has happened: the way to give feedback, or
    their own answers once given. None for anyone else, or before the session ends."""
    if user.pk != session.supervisee_id or not session_open_for_feedback(session, now):
        return None
    response = own_feedback_on_session(user, session)
    return {
        "give_url": reverse("feedback:give_session", args=[session.pk]),
        "answers": answer_rows(response) if response is not None else None,
    }


def register_session_sections() -> None:
    from supervision.session_sections import SessionSection, register

    register(SessionSection(TEMPLATE, feedback_on_session))
