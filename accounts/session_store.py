"""Django's database sessions (SESSION_ENGINE), read with SQL built once per process.

The same table, rows and signed data as django.contrib.sessions.backends.db: only
the read that every signed-in request makes is a kernel.prepared.PreparedQuery, and
the expiry is compared here rather than in the query (a date is the one parameter
a prepared query cannot take). A session past its expiry date reads as no session,
as in Django's store. Writes, deletes and the rest are Django's.
"""

import logging

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from kernel.prepared import PreparedQuery

_session_with_key = PreparedQuery(
    lambda key: DatabaseSessionStore.get_model_class().objects.filter(session_key=key).order_by(),
    types=(str,),
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        try:
            key = self.session_key
            found = _session_with_key(key) if key else []
        except SuspiciousOperation as error:  # as Django's store
            logging.getLogger(f"django.security.{error.__class__.__name__}").warning(str(error))
            found = []
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None
