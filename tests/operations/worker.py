"""The command line of a real Celery worker process that a test starts."""

import sys

# One task at a time in the worker process itself; no chatter with other workers.
WORKER_COMMAND = [
    sys.executable,
    "-m",
    "celery",
    "-A",
    "supervision_site",
    "worker",
    "--pool=solo",
    "--loglevel=INFO",
    "--without-heartbeat",
    "--without-mingle",
    "--without-gossip",
]
