"""What generated history is made of: sizes, seasons and weights, and the words
generated records use."""

import datetime

from kernel.models import Band, Profession, SupervisionFunction
from peergroups.models import ContactMode, EventKind, GroupType, Outcome
from supervision.models import Session

BATCH = 2000  # rows per INSERT
CHUNK = 5000  # sessions built and written per round, so memory stays flat
QUARTER = 900  # seconds: the resolution of the map of who is busy when
MEETING = datetime.timedelta(minutes=90)
EMAIL = "staff{:04d}@{}.example"
DEMO_SLUGS = ("westfield", "northgate")
BENCH_SLUG = "generated-{:02d}"
UTC = datetime.UTC
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)

# Relative activity by calendar month: quiet in August and at Christmas.
SEASON = {1: 0.85, 2: 0.95, 3: 1.05, 4: 0.95, 5: 1.05, 6: 1.0}
SEASON |= {7: 0.85, 8: 0.75, 9: 1.05, 10: 1.1, 11: 1.05, 12: 0.65}
# Winter pressures: supervisors are pulled back to the wards.
SUPERVISOR_CANCELS = {12: 0.13, 1: 0.16, 2: 0.12}
MOOD = {1: -0.35, 2: -0.3, 3: -0.1, 4: 0.05, 5: 0.15, 6: 0.2}
MOOD |= {7: 0.15, 8: 0.2, 9: 0.0, 10: -0.05, 11: -0.15, 12: -0.25}
HARD_DEPARTMENTS = {"emergency": -0.3, "critical": -0.2, "rapid": -0.15, "acute": -0.1}

PROFESSIONS = [
    (Profession.NURSE, 60),
    (Profession.MIDWIFE, 6),
    (Profession.AHP, 9),
    (Profession.SUPPORT_WORKER, 11),
    (Profession.NURSING_ASSOCIATE, 5),
    (Profession.DOCTOR, 6),
    (Profession.PSYCHOLOGIST, 3),
]
BANDS = {
    Profession.NURSE: [(Band.BAND_5, 38), (Band.BAND_6, 30), (Band.BAND_7, 22), (Band.BAND_8A, 10)],
    Profession.MIDWIFE: [
        (Band.BAND_5, 30),
        (Band.BAND_6, 42),
        (Band.BAND_7, 20),
        (Band.BAND_8A, 8),
    ],
    Profession.AHP: [(Band.BAND_5, 25), (Band.BAND_6, 40), (Band.BAND_7, 28), (Band.BAND_8A, 7)],
    Profession.SUPPORT_WORKER: [(Band.BAND_2, 25), (Band.BAND_3, 60), (Band.BAND_4, 15)],
    Profession.NURSING_ASSOCIATE: [(Band.BAND_4, 1)],
    Profession.DOCTOR: [(Band.OTHER, 1)],
    Profession.PSYCHOLOGIST: [(Band.BAND_7, 40), (Band.BAND_8A, 45), (Band.BAND_8B, 15)],
}
SUPERVISOR_BANDS = (Band.BAND_7, Band.BAND_8A, Band.BAND_8B)
SUPERVISOR_PROFESSIONS = (Profession.NURSE, Profession.MIDWIFE, Profession.AHP)
THEME_WEIGHTS = {
    "workload": 2.2,
    "wellbeing": 1.8,
    "team relationships": 1.4,
    "clinical skills": 1.2,
    "career": 1.0,
    "conflict": 0.8,
    "patient death": 0.7,
    "ethical dilemma": 0.5,
}
FUNCTIONS = [
    (SupervisionFunction.RESTORATIVE, 0.85),
    (SupervisionFunction.FORMATIVE, 0.5),
    (SupervisionFunction.NORMATIVE, 0.3),
    (SupervisionFunction.PERSONAL_ACTION, 0.2),
]
ACTIONS = [
    "Take the full break on long days and ask the nurse in charge to cover.",
    "Write a short reflection on the incident before our next session.",
    "Ask the practice educator about the sepsis refresher.",
    "Talk to the ward manager about the rota pattern.",
    "Book a debrief for the team after difficult shifts.",
    "Look into the PNA course for next year.",
]
ESCALATED_TO = ["Matron", "Safeguarding lead", "Ward manager", "Freedom to Speak Up Guardian"]
CANCEL_REASONS: dict[str, list[str]] = {
    Session.CancelledBy.SUPERVISOR: ["Pulled back to the ward", "Unwell", "Clinical emergency"],
    Session.CancelledBy.SUPERVISEE: [
        "The ward was too busy to release me",
        "Unwell",
        "Shift change",
    ],
}
HELPED = [
    "Having the time protected made a difference.",
    "Being listened to without judgement.",
    "Talking through the incident helped me put it down.",
    "Practical ideas for handling the workload.",
]
BETTER = [
    "Hard to get released from the ward on time.",
    "The Teams link dropped out for a while.",
    "More time would help.",
]
CONFIRM_COMMENTS = ["Thank you, that was helpful.", "Agreed.", "A good session."]
GROUP_KINDS = [
    GroupType.REFLECTIVE_PRACTICE,
    GroupType.GROUP_SUPERVISION,
    GroupType.PRECEPTORSHIP,
    GroupType.PEER_SUPPORT,
]
GROUP_NOTES = [
    "We used a case to look at how we respond to distress on the ward.",
    "Check-in round, then one member brought a difficult conversation with a family.",
    "We talked about handing over well at the end of long days.",
]
SYSTEMIC_ISSUES = [
    "Staffing gaps on night shifts mean breaks are routinely missed.",
    "New starters feel they are counted in the numbers before their induction is finished.",
    "Delays in discharge leave the ward holding patients who are medically fit to go.",
    "Members find it hard to be released for protected learning time.",
    "Violence and aggression from visitors is not always followed up after an incident form.",
    "The escalation route for concerns about safe staffing is unclear to band 5 staff.",
    "Rota changes at short notice make childcare difficult and add to sickness.",
    "There is nowhere quiet on the unit to take a break or make a private call.",
]
LEAVING_REASONS = ["Moved to another team", "Shift pattern changed", "Left the trust"]
AGREEMENT_ENDINGS = ["Moved to another ward", "We agreed the supervision had done its work"]
SUPPORT_OUTCOMES = [
    (Outcome.NO_FURTHER, 55),
    (Outcome.EAP, 20),
    (Outcome.OCCUPATIONAL_HEALTH, 15),
    (Outcome.PROFESSIONAL, 10),
]
EVENT_KINDS = [
    (EventKind.ADVERSE_EVENT, 35),
    (EventKind.PATIENT_DEATH, 25),
    (EventKind.VIOLENCE, 25),
    (EventKind.OTHER, 15),
]
CONTACT_MODES = [
    (ContactMode.PHONE, 45),
    (ContactMode.TEAMS, 30),
    (ContactMode.IN_PERSON, 20),
    (ContactMode.EMAIL, 5),
]
BENCH_DEPARTMENTS = [
    "Acute medical unit",
    "Cardiology",
    "Care of older people",
    "Children's ward",
    "Critical care",
    "Day surgery",
    "Emergency department",
    "Maternity",
    "Neonatal unit",
    "Oncology",
    "Orthopaedics",
    "Renal unit",
    "Respiratory",
    "Stroke unit",
    "Theatres",
    "District nursing",
]
