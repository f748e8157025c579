"""Session feedback: the participant's form, totals for whoever ran it, questions for admins."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

import disclosure
from kernel.dates import format_when
from kernel.forms import posted
from kernel.models import Role
from kernel.permissions import (
    get_own_profile,
    get_programme_for_admin,
    has_role,
    login_required_view,
    role_required,
)

from ..aggregates import released_summary
from ..feedback_forms import FeedbackForm, QuestionEditForm, QuestionForm
from ..permissions import (
    get_meeting_for_feedback,
    get_question_for_admin,
    get_session_for_feedback,
    may_see_summary,
    own_answers,
    responses_by_group_facilitated,
    responses_on_sessions_supervised_by,
)
from ..services import feedback as services

# --- Giving feedback -------------------------------------------------------------


def _give(
    request, *, session=None, meeting=None, programme, open_now, back_url, title_when, done_url
):
    """The feedback form; once sent, `done_url` (a session's page shows the answers given)."""
    # Their own answers, or None until they have given feedback.
    answers = own_answers(request.user, session=session, meeting=meeting)
    already = answers is not None
    context = {
        "session": session,
        "meeting": meeting,
        "back_url": back_url,
        "when": title_when,
        "already": already,
        "open_now": open_now,
        "form": None,
        "minimum": disclosure.feedback_minimum(),
        "answers": answers,
    }
    if already or not open_now:
        if request.method == "POST" and already:
            messages.info(request, _("You have already given feedback on this session. Thank you."))
        return render(request, "feedback/session_feedback/give.html", context)
    questions = services.questions_for(programme)
    form = FeedbackForm(posted(request), questions=questions)
    if form.is_valid():
        try:
            services.feedback_submit(
                author=request.user, session=session, meeting=meeting, answers=form.answers()
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Thank you for your feedback."))
            return redirect(done_url)
    context["form"] = form
    return render(request, "feedback/session_feedback/give.html", context)


@login_required_view
@require_http_methods(["GET", "POST"])
def give_for_session(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = get_session_for_feedback(request.user, session_pk)
    return _give(
        request,
        session=session,
        programme=session.programme,
        open_now=services.session_open_for_feedback(session),
        back_url=session.get_absolute_url(),
        title_when=format_when(
            session.starts_at, session.ends_at, session.programme.organisation.time_zone
        ),
        done_url=session.get_absolute_url(),
    )


@login_required_view
@require_http_methods(["GET", "POST"])
def give_for_meeting(request: HttpRequest, meeting_pk: int) -> HttpResponse:
    meeting = get_meeting_for_feedback(request.user, meeting_pk)
    return _give(
        request,
        meeting=meeting,
        programme=meeting.group.programme,
        open_now=services.meeting_open_for_feedback(meeting),
        back_url=meeting.get_absolute_url(),
        title_when=format_when(
            meeting.starts_at, meeting.ends_at, meeting.group.organisation.time_zone
        ),
        done_url=request.path,
    )


# --- Totals for supervisors and facilitators -------------------------------------


DEFAULT_TIME_ZONE = "Europe/London"


def _time_zone(user) -> str:
    """The user's own organisation's time zone: feedback is released by its calendar months."""
    profile = get_own_profile(user)
    if profile is None:
        return DEFAULT_TIME_ZONE
    return profile.organisation.time_zone or DEFAULT_TIME_ZONE


@login_required_view
@require_http_methods(["GET"])
def summary(request: HttpRequest) -> HttpResponse:
    """Totals of the feedback released so far: a calendar month at a time, by batches of people.

    One-to-one sessions and each group stand apart, each released by its own
    batches. The page changes only when a batch of at least `minimum`
    different people is released, never as one response arrives; it says
    nothing of the responses still waiting (how many there are would give
    each arrival away).
    """
    if not may_see_summary(request.user):
        raise PermissionDenied
    minimum = disclosure.feedback_minimum()
    now, time_zone = timezone.now(), _time_zone(request.user)

    def released(responses):
        return released_summary(responses, now=now, time_zone=time_zone, minimum=minimum)

    one_to_one = responses_on_sessions_supervised_by(request.user)
    groups = [
        (group, released(responses))
        for group, responses in responses_by_group_facilitated(request.user)
    ]
    return render(
        request,
        "feedback/session_feedback/summary.html",
        {
            "summary": released(one_to_one),
            "supervises": has_role(request.user, Role.SUPERVISOR) or one_to_one.exists(),
            "groups": groups,
            "minimum": minimum,
        },
    )


# --- Questions (programme admins) --------------------------------------------------


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def question_list(request: HttpRequest, programme_pk: int) -> HttpResponse:
    programme = get_programme_for_admin(request.user, programme_pk)
    form = QuestionForm(posted(request))
    if form.is_valid():
        try:
            services.question_create(actor=request.user, programme=programme, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("text", error.messages)
        else:
            messages.success(request, _("The question has been added."))
            return redirect("feedback:questions", programme_pk=programme.pk)
    if request.method == "GET":
        services.questions_for(programme)  # show the defaults the programme starts with
    questions = list(programme.feedback_questions.select_related("replaced_by"))
    return render(
        request,
        "feedback/session_feedback/question_list.html",
        {"programme": programme, "questions": questions, "form": form},
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_question_for_admin(request.user, pk)
    rewording = services.rewording_of(question)
    form = QuestionEditForm(posted(request), initial={"text": question.text})
    if form.is_valid():
        try:
            now_asked = services.question_update(
                actor=request.user, question=question, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            form.add_error("text", error.messages)
        else:
            if now_asked.pk == question.pk:
                messages.success(request, _("The question has been changed."))
            else:
                messages.success(
                    request,
                    _(
                        "The new wording is asked from now on. Answers already given keep "
                        "the wording they were given under."
                    ),
                )
            return redirect("feedback:questions", programme_pk=question.programme_id)
    return render(
        request,
        "feedback/session_feedback/question_edit.html",
        {
            "question": question,
            "programme": question.programme,
            "form": form,
            "rewording": rewording,
        },
    )


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["POST"])
def question_move(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_question_for_admin(request.user, pk)
    try:
        services.question_move(
            actor=request.user, question=question, direction=request.POST.get("direction", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("feedback:questions", programme_pk=question.programme_id)


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["POST"])
def question_retire(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_question_for_admin(request.user, pk)
    try:
        services.question_set_retired(
            actor=request.user, question=question, retired=not question.retired
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _say_retired_or_restored(request, question)
    return redirect("feedback:questions", programme_pk=question.programme_id)


def _say_retired_or_restored(request, question) -> None:
    if question.retired:
        messages.success(
            request,
            _("The question has been retired. Answers already given are kept."),
        )
    else:
        messages.success(request, _("The question is asked again."))
