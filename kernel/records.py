"""The stable name of a record's type, as the audit trail and the outbox store it."""


def record_type(target) -> str:
    """`app.model` of the target's model, or the name it was first stored under.

    Models that moved app keep their tables and, through RECORD_TYPE, the type
    name that audit entries and notifications already carry: the audit trail is
    append-only, so its rows can never be relabelled, and one record must not
    answer to two names.
    """
    return getattr(target, "RECORD_TYPE", None) or target._meta.label_lower
