"""Rows that operators' checks read. None holds anything personal."""

from django.db import models


class Heartbeat(models.Model):
    """When a periodic task last ran, by name ("beat": Celery beat, through a worker)."""

    name = models.CharField(max_length=48, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}Z"


class EncryptionSentinel(models.Model):
    """A known text encrypted with FIELD_ENCRYPTION_KEYS: one row, id 1.

    A plain column holding a Fernet token (not an EncryptedTextField: it is no
    one's confidential text). If no configured key opens it, the keys are not
    the ones this database's data was written with (operations.sentinel).
    """

    token = models.TextField()
    written_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "Encryption key sentinel"


class Counter(models.Model):
    """A count that every web and worker process adds to (sign-in refusals, by reason)."""

    name = models.CharField(max_length=64, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"
