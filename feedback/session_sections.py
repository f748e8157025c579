"""What a one-to-one session's page shows of feedback (a section the session page includes).

Once the session has happened its supervisee is offered the form; once they
have given feedback, the page shows them their own answers. Nobody else is
given anything here: whoever ran the session sees only released totals
(DESIGN.md, Confidentiality). Registered with supervision.session_sections, so
the session page never imports this app.
"""

from django.urls import reverse

from .permissions import own_answers
from .services.feedback import session_open_for_feedback

TEMPLATE = "feedback/session_feedback/on_session.html"


def feedback_on_session(user, session, now) -> dict | None:
    """For the session's supervisee once it has happened: the way to give feedback, or
    their own answers once given. None for anyone else, or before the session ends."""
    if user.pk != session.supervisee_id or not session_open_for_feedback(session, now):
        return None
    return {
        "give_url": reverse("feedback:give_session", args=[session.pk]),
        "answers": own_answers(user, session=session),
    }


def register_session_sections() -> None:
    from supervision.session_sections import SessionSection, register

    register(SessionSection(TEMPLATE, feedback_on_session))
