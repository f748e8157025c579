"""Figures for operators, in Prometheus' text format (/metrics).

Every figure is read from the database when asked, so it is the same
whichever web process answers: gauges counted from the tables, and counters
that every process adds to in the database (operations.Counter).
"""

from __future__ import annotations

from django.utils import timezone

PREFIX = "supervision_"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Exposition:
    """Lines of the text format: HELP and TYPE once per metric, then its samples."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def metric(self, name: str, kind: str, help_text: str, samples) -> None:
        """`samples`: a number, or a list of ({label: value}, number)."""
        full = PREFIX + name
        self.lines += [f"# HELP {full} {help_text}", f"# TYPE {full} {kind}"]
        if not isinstance(samples, list):
            samples = [({}, samples)]
        for labels, value in samples:
            label_text = ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items())
            self.lines.append(
                f"{full}{{{label_text}}} {value}" if label_text else f"{full} {value}"
            )

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def exposition() -> str:
    from accounts.adapter import SIGNIN_REFUSED
    from notifications.metrics import outbox_figures
    from operations.services import counter_values, heartbeat_age_seconds
    from operations.tasks import BEAT
    from supervision.metrics import session_counts

    now = timezone.now()
    out = Exposition()
    outbox = outbox_figures(now)
    out.metric(
        "notifications_due",
        "gauge",
        "Notifications due now and waiting for the dispatcher.",
        outbox.due,
    )
    out.metric(
        "notifications_sending",
        "gauge",
        "Notifications claimed by the dispatcher and not yet sent.",
        outbox.sending,
    )
    out.metric("notifications_sent", "gauge", "Notifications sent (rows kept).", outbox.sent)
    out.metric(
        "notifications_failed",
        "gauge",
        "Notifications that failed for good after every retry.",
        outbox.failed,
    )
    out.metric(
        "notifications_oldest_unsent_age_seconds",
        "gauge",
        "How long the longest-waiting due notification has waited (0: none waits).",
        round(outbox.oldest_unsent_age_seconds, 1),
    )
    out.metric(
        "sessions",
        "gauge",
        "One-to-one sessions booked, by status.",
        [({"status": status}, n) for status, n in session_counts().items()],
    )
    refusals = counter_values(prefix=SIGNIN_REFUSED)
    out.metric(
        "signin_refusals_total",
        "counter",
        "Sign-ins refused: wrong email or password, or too many attempts.",
        [
            ({"reason": reason}, refusals.get(SIGNIN_REFUSED + reason, 0))
            for reason in ("bad_credentials", "rate_limited")
        ],
    )
    age = heartbeat_age_seconds(name=BEAT)
    out.metric(
        "beat_heartbeat_age_seconds",
        "gauge",
        "Seconds since beat's heartbeat task last ran (-1: never).",
        -1 if age is None else round(age, 1),
    )
    return out.text()
