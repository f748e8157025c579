"""Realistic history for the engagement reports: a year for the demo, or a benchmark's worth.

`generate_demo_history` gives the demo organisations (nonprod/demo.py) a
year of activity ending today: a few hundred more staff, supervisors, one-to-one
sessions and their records, feedback, groups with registers and records,
peer-support requests and wellbeing check-ins. Activity follows the seasons
(quiet in August and at Christmas, supervisors cancelling more in winter) and
shows one shift a run chart can find: Westfield's Band 7 and 8 programme
launches with its period on 1 April, and sessions rise from then on.

`generate_benchmark_history` builds new organisations at benchmark scale.

Why not the services: they write one row at a time with an audit entry and
notifications, and a year of history would queue thousands of reminders that
would all be sent. Rows here are bulk-inserted, shaped as the services shape
them: attended and not-attended sessions carry the supervisor's record,
cancellations their time, who and whether late; allowances are respected as
`supervision.allowances` counts them; sessions sit in the supervisor's weekly
windows (local time, so in working hours in Europe/London whatever the
season); nobody is in two sessions or meetings at once; commitments exist only
for sessions and meetings still to come, as the booking services leave them.
No notifications are created.

Deterministic: every choice comes from one random.Random(seed). Idempotent:
generated people have addresses staff0001@<organisation>.example and so on, and
a run that finds the first of them does nothing.

The steps of a run, in order (run.py): people.py, groups.py, supervisors.py,
sessions_plan.py and sessions_write.py, feedback.py (with wellbeing) and
peer_support.py; each takes the shared History (state.py) and an organisation's
plan (plan.py), and writes through writer.py. demo.py and benchmark.py are the
two ways in.
"""

from .benchmark import generate_benchmark_history
from .constants import BENCH_SLUG, BETTER, HELPED
from .demo import generate_demo_history
from .run import HistoryError, HistorySummary

__all__ = [
    "BENCH_SLUG",
    "BETTER",
    "HELPED",
    "HistoryError",
    "HistorySummary",
    "generate_benchmark_history",
    "generate_demo_history",
]
