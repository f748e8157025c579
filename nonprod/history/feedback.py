"""Feedback and wellbeing: responses and answers after sessions and meetings, and
monthly wellbeing check-ins, some of them asking for peer support."""

from feedback.models import FeedbackAnswer, FeedbackResponse, QuestionKind, WellbeingCheckIn
from supervision.models import Session

from .constants import BETTER, CONTACT_MODES, HARD_DEPARTMENTS, HELPED, MOOD
from .peer_support import event_requests, support_requests
from .plan import OrgPlan, weighted
from .state import History


def feedback_row(
    *,
    author_id,
    programme_id,
    submitted_at,
    session_id=None,
    group_session_id=None,
    supervisor_id=None,
) -> dict:
    """A feedback response, on a one-to-one session or a group meeting."""
    return {
        "author_id": author_id,
        "programme_id": programme_id,
        "session_id": session_id,
        "group_session_id": group_session_id,
        "supervisor_id": supervisor_id,
        "submitted_at": submitted_at,
    }


def session_feedback(h: History, plan, session_id):
    """Feedback opens when a session ends, unless cancelled or not attended."""
    if plan.status not in (Session.Status.ATTENDED, Session.Status.BOOKED):
        return None
    if plan.end > h.now or h.rng.random() >= 0.55:
        return None
    submitted = h.after(plan.end, 30)
    if submitted >= h.now:
        return None
    pair = plan.pair
    response = feedback_row(
        author_id=pair.supervisee.user_id,
        programme_id=pair.programme.programme.pk,
        session_id=session_id,
        supervisor_id=pair.supervisor.user_id,
        submitted_at=submitted,
    )
    return response, pair.programme.questions, pair.supervisor.quality


def write_feedback(h: History, feedback) -> None:
    """Responses, each with ratings about the supervisor's (or group's) quality and
    now and then a word on what helped or could be better."""
    rng = h.rng
    ids = h.writer.rows(FeedbackResponse, (row[0] for row in feedback), returning=True)
    answers = []
    for response, (_row, questions, quality) in zip(ids, feedback, strict=True):
        texts = 0
        for question, kind in questions:
            answer = {"response_id": response, "question_id": question}
            if kind == QuestionKind.RATING:
                rating = min(5, max(1, round(rng.gauss(quality, 0.7))))
                answers.append({**answer, "rating": rating, "text": ""})
                continue
            texts += 1  # the first free-text question asks what helped
            if rng.random() < 0.14:
                text = rng.choice(HELPED if texts == 1 else BETTER)
                answers.append({**answer, "rating": None, "text": text})
    h.writer.rows(FeedbackAnswer, answers)


def add_wellbeing_and_support(h: History, org: OrgPlan) -> None:
    """Wellbeing check-ins, and peer-support requests: from check-ins that ask for
    it and after hard events."""
    months = h.calendar_months(org)
    checkins, requests = _checkins(h, org, months)
    requests += event_requests(h, org, months)
    requests.sort(key=lambda r: r[0])
    made = support_requests(h, org, requests)
    for request, row in zip(requests, made, strict=True):
        if request[4] is None:
            continue
        if row is None:  # no supporter was free then: as if they had not asked
            checkins[request[4]]["wants_peer_support"] = False
        else:
            checkins[request[4]]["support_request_id"] = row.pk
    h.writer.rows(WellbeingCheckIn, checkins)


def _checkins(h: History, org: OrgPlan, months) -> tuple[list, list]:
    """Check-ins in some months from each person, feeling what the season, their
    department and their supervision make likely; and the requests of those who
    ask for peer support."""
    rng = h.rng
    requests = []  # [created, requester, event_kind, contact_mode, checkin index or None]
    checkins = []
    for person in org.people:
        hard = next(
            (v for k, v in HARD_DEPARTMENTS.items() if k in person.department.name.lower()), 0
        )
        for _year, month, first, end in months:
            if rng.random() >= org.wellbeing_rate:
                continue
            created = h.in_waking_hours(org, h.between(first, end))
            mean = 3.45 + person.mood + MOOD[month] + hard
            if person.supervised_from and person.supervised_from < created:
                mean += 0.2
            feeling = min(5, max(1, round(rng.gauss(mean, 0.75))))
            wants = feeling <= 2 and rng.random() < 0.15
            checkins.append(
                {
                    "author_id": person.user_id,
                    "organisation_id": org.organisation.pk,
                    # As wellbeing_checkin_create copies them from the profile.
                    "department_id": person.department.pk,
                    "band": person.band,
                    "profession": person.profession,
                    "feeling": feeling,
                    "comment": "A hard month on the ward." if rng.random() < 0.04 else "",
                    "wants_peer_support": wants,
                    "support_request_id": None,
                    "created_at": created,
                }
            )
            if wants:
                mode = weighted(rng, CONTACT_MODES)
                requests.append([created, person, "", mode, len(checkins) - 1])
    return checkins, requests
