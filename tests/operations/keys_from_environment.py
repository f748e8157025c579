"""Test settings whose FIELD_ENCRYPTION_KEYS and database come from the environment.

For the processes that tests/operations/test_encryption_sentinel.py starts
against the test database with keys of its choosing.
"""

import os

from supervision_site.settings.test import *  # noqa: F403
from supervision_site.settings.test import DATABASES

FIELD_ENCRYPTION_KEYS = os.environ["FIELD_ENCRYPTION_KEYS"].split(",")
DATABASES["default"]["NAME"] = os.environ["TEST_DATABASE_NAME"]
