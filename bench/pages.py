"""The pages `make bench` drives, and which role asks for each.

tests/test_query_counts.py checks that every page here runs as many queries
with 100 rows of its data as with 1, so a page added here needs a case there.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    key: str  # the name in the printed table and in latest.json
    label: str
    url_name: str
    role: str  # one of ROLES, or "any" for /healthz


PAGES = [
    Page("healthz", "/healthz (the floor)", "healthz", "any"),
    Page("nurse_home", "Nurse: home", "supervision:home", "nurse"),
    Page("supervisors", "Nurse: supervisor directory", "supervision:supervisors", "nurse"),
    Page("supervisor", "Nurse: a supervisor's next free times", "supervision:supervisor", "nurse"),
    Page("booking", "Nurse: booking page (free slots)", "supervision:agreement_book", "nurse"),
    Page("sessions", "Nurse: session history", "supervision:sessions", "nurse"),
    Page("availability", "Supervisor: own availability", "supervision:availability", "supervisor"),
    Page(
        "supervisor_sessions", "Supervisor: session history", "supervision:sessions", "supervisor"
    ),
    Page("unlogged", "Supervisor: sessions to log", "supervision:sessions_unlogged", "supervisor"),
    Page("group", "Facilitator: group page", "peergroups:group", "facilitator"),
    Page("report", "Wellbeing lead: report, with filters", "reports:engagement", "lead"),
    Page("people", "Programme admin: people directory", "supervision:people", "admin"),
]
PAGE_KEYS = [page.key for page in PAGES]

# Of 50 simulated users: who they are. Everyone also asks for /healthz once a round.
ROLE_SHARE = {"nurse": 20, "supervisor": 10, "facilitator": 6, "lead": 7, "admin": 7}
ROLES = tuple(ROLE_SHARE)
