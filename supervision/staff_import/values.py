"""ESR's words for a band, a staff group and a date, read as the app's values."""

import datetime
import re

from kernel.models import Band, Profession

_BAND = re.compile(r"\bband\s*([2-9])\s*(?:-?\s*(?:range\s*)?([a-d])\b)?", re.IGNORECASE)
_BAND_CODE = re.compile(r"([2-9])([a-d]?)", re.IGNORECASE)


def band(text: str) -> str:
    """The Agenda for Change band in an ESR grade ("Band 5", "AfC Band 8a", "8B");
    any other grade (a doctor's, a band no longer used) is Band.OTHER."""
    text = text.strip()
    match = _BAND.search(text) or _BAND_CODE.fullmatch(text)
    if match is None:
        return Band.OTHER
    number, letter = match.group(1), (match.group(2) or "").lower()
    value = number + letter
    if number == "8" and not letter:
        return Band.OTHER  # band 8 has ranges a to d; which one is unknown
    if number != "8" and letter:
        return Band.OTHER
    return value if value in Band.values else Band.OTHER


# Words of positions and ESR's staff groups to professions, the first match in
# order winning; the position is read first ("Midwife" in the staff group
# "Nursing and Midwifery Registered"), then the staff group.
_PROFESSIONS = (
    ("nursing and midwifery", Profession.NURSE),
    ("midwi", Profession.MIDWIFE),
    ("nursing associate", Profession.NURSING_ASSOCIATE),
    ("psycholog", Profession.PSYCHOLOGIST),
    ("allied health", Profession.AHP),
    ("ahp", Profession.AHP),
    ("medical", Profession.DOCTOR),
    ("doctor", Profession.DOCTOR),
    ("nurs", Profession.NURSE),
    ("additional clinical", Profession.SUPPORT_WORKER),
    ("support worker", Profession.SUPPORT_WORKER),
)


def profession(staff_group: str, position: str = "") -> str:
    """The profession an ESR staff group names, with the position telling a
    midwife from a nurse and a psychologist among scientists."""
    for value in Profession.values:  # already one of ours: "nurse", "ahp"
        if staff_group.strip().casefold() in (value, str(Profession(value).label).casefold()):
            return value
    for words in (position.casefold(), staff_group.casefold()):
        for needle, value in _PROFESSIONS:
            if needle in words:
                return value
    return Profession.OTHER


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%b-%Y", "%d %b %Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")


def date(text: str) -> datetime.date | None:
    """A date as ESR or Excel writes it (31/03/2026, 2026-03-31, 31-MAR-2026); None if not one."""
    text = text.strip()
    # Excel may add a midnight time: "31/03/2026 00:00".
    text = re.sub(r"[ T]00:00(:00)?$", "", text)
    for form in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, form).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    return None
