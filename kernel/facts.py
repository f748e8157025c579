"""The rows each app hands the engagement report's roll-ups (reports.services.refresh_rollups).

Every kind of fact is read the same way: who it is about, the organisation
and programme it belongs to, the organisation's time zone (its month is the
month there), when it happened, and what the roll-up keeps of it.
"""


def fact_rows(queryset, person: str, ids, organisation: str, programme: str, when: str, *rest):
    """(person, organisation id, programme id, time zone, when, *rest) of `queryset`'s rows
    whose `person` is among `ids`: a few rows, as a list; or, with `ids` None,
    everyone's (a rebuild), streamed in chunks."""
    if ids is not None:
        queryset = queryset.filter(**{f"{person}__in": ids})
    rows = queryset.order_by().values_list(
        person, f"{organisation}_id", f"{programme}_id", f"{organisation}__time_zone", when, *rest
    )
    return rows if ids is not None else rows.iterator(chunk_size=5000)


def counted(fields: set[str], update_fields) -> bool:
    """Whether a save may change a fact made of `fields` (a save naming none of them cannot)."""
    if update_fields is None:
        return True
    return bool(fields & {name.removesuffix("_id") for name in update_fields})


def deleting_the_person(origin) -> bool:
    """Whether a delete cascades from erasing a person (their roll-ups go with them)."""
    from django.contrib.auth import get_user_model

    return getattr(origin, "model", type(origin)) is get_user_model()
