"""The two directories' database cost, statement by statement: milliseconds and pages.

Issue 19 asks that the people and supervisor directories' database time stay flat
from 10,000 to 100,000 staff. This signs in a programme admin and a nurse of the
largest generated organisation, asks for each directory's first page, a later page
and a filter through Django's test client, and runs EXPLAIN (ANALYZE, BUFFERS) on
every statement the page ran. Pages read (shared buffers hit + read) are the
noise-free figure; milliseconds move 2-3x on a shared machine.

Everything happens in one transaction that is rolled back (the programme admin's
role grant, the session), so it may be pointed at any generated database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.directories [-v]

(-v lists every statement; without it, those over 1 ms or 100 pages.)
"""

import json
import sys

from bench.inprocess import _setup, _signed_in

PATHS = {
    "people": ["/people/", "/people/?page=40", "/people/?q=green", "/people/?status=invited"],
    "supervisors": [
        "/supervisors/",
        "/supervisors/?page=4",
        "/supervisors/?available=on",
        "/supervisors/?mode=online",
    ],
}


def _explained(sql: str) -> tuple[float, int]:
    """(execution ms, shared pages hit + read) of one statement, run again under EXPLAIN."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        found = cursor.fetchone()[0]
    found = json.loads(found) if isinstance(found, str) else found
    plan = found[0]
    pages = plan["Plan"].get("Shared Hit Blocks", 0) + plan["Plan"].get("Shared Read Blocks", 0)
    return plan["Execution Time"], pages


def _users():
    """A programme admin (granted here, rolled back) and a nurse with a supervisor,
    both of the organisation with the most staff."""
    from allauth.mfa.models import Authenticator
    from django.db.models import Count

    from kernel.models import Organisation, Role, RoleGrant, StaffProfile
    from supervision.models import Agreement

    organisation = Organisation.objects.annotate(n=Count("staff")).order_by("-n")[0]
    admin = StaffProfile.objects.filter(organisation=organisation).order_by("pk")[0].user
    RoleGrant.objects.create(user=admin, organisation=organisation, role=Role.PROGRAMME_ADMIN)
    # Admins must have an authenticator app (accounts.middleware.RequireMFAMiddleware).
    Authenticator.objects.create(
        user=admin, type=Authenticator.Type.TOTP, data={"secret": "bench-rolled-back"}
    )
    nurse = (
        Agreement.objects.filter(
            ended_at__isnull=True, supervisee__profile__organisation=organisation
        )
        .order_by("pk")[0]
        .supervisee
    )
    return organisation, {"people": admin, "supervisors": nurse}


def measure() -> dict:
    """{path: [(ms, pages, sql), ...]} for every directory path, then rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    found = {}
    with transaction.atomic():
        organisation, users = _users()
        print(f"organisation {organisation} ({organisation.n} staff)")
        for key, paths in PATHS.items():
            client = _signed_in(users[key].email)
            for path in paths:
                client.get(path)  # warm the cache of pages and plans
                with CaptureQueriesContext(connection) as captured:
                    status = client.get(path).status_code
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
                found[path] = [
                    (*_explained(query["sql"]), query["sql"])
                    for query in captured.captured_queries
                    if query["sql"].startswith("SELECT")
                ]
        transaction.set_rollback(True)
    return found


def main() -> int:
    _setup()
    verbose = "-v" in sys.argv
    for path, statements in measure().items():
        total_ms = sum(ms for ms, _pages, _sql in statements)
        total_pages = sum(pages for _ms, pages, _sql in statements)
        print(f"{path:32} {len(statements):3} statements {total_ms:8.2f} ms {total_pages:7} pages")
        for ms, pages, sql in statements:
            if verbose or ms >= 1 or pages >= 100:
                print(f"    {ms:8.2f} ms {pages:7} pages  {sql[:150]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
