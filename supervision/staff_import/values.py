"""ESR's words for a band, a staff group and a date, read as the app's values."""

import datetime
import functools
import re

from kernel.models import Band, Grade, Profession

_BAND = re.compile(r"\bband\s*([2-9])\s*(?:-?\s*(?:range\s*)?([a-d])\b)?", re.IGNORECASE)
# "8c", and ESR's Agenda for Change pay scale codes: XR05 is Band 5, XR08C Band 8c.
_BAND_CODE = re.compile(r"(?:xr0?)?([2-9])([a-d]?)", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)  # a file repeats a few hundred values
def band(text: str) -> str:
    """The Agenda for Change band in an ESR grade ("Band 5", "AfC Band 8a", "8B");
    any other grade (a doctor's, a band no longer used) is Band.OTHER."""
    text = text.strip()
    match = _BAND.search(text) or _BAND_CODE.fullmatch(text.replace(" ", ""))
    if match is None:
        return Band.OTHER
    number, letter = match.group(1), (match.group(2) or "").lower()
    value = number + letter
    if number == "8" and not letter:
        return Band.OTHER  # band 8 has ranges a to d; which one is unknown
    if number != "8" and letter:
        return Band.OTHER
    return value if value in Band.values else Band.OTHER


# Doctors' grades as ESR and people write them, the first match in order winning:
# "Medical & Dental: Consultant", "FY1", "Foundation Year 2", "ST3", "CT1",
# "Specialty Registrar" (a registrar is a trainee from ST3 on; ESR's "Specialty
# Registrar (Core Training)" is ST1-2), "Specialty Doctor".
_GRADES = (
    (r"\bconsultant\b", Grade.CONSULTANT),
    (r"\bf\s*y?\s*1\b|\bfoundation\b.*\b(?:1|one)\b", Grade.FY1),
    (r"\bf\s*y?\s*2\b|\bfoundation\b.*\b(?:2|two)\b", Grade.FY2),
    (r"\b(?:st|ct|cmt|cst|str|spr)\s*[12]\b", Grade.ST1_2),
    (r"\b(?:st|ct|cmt|cst|str|spr)\s*[3-9]\b", Grade.ST3_PLUS),
    # "Specialty Registrar (Core Training)" is ESR's grade of CT/ST1-2.
    (
        r"\bcore (?:medical |surgical |psychiatry )?train|\bsenior house officer\b|\bsho\b",
        Grade.ST1_2,
    ),
    (r"\bregistrar\b|\bspr\b|\bstr\b", Grade.ST3_PLUS),
    (
        r"\bspecialty doctor\b|\bassociate specialist\b|\bstaff grade\b|\bspecialist grade\b"
        r"|\bsas\b",
        Grade.SAS,
    ),
)
# A grade naming another profession is never a doctor's ("Nurse Consultant").
_NOT_DOCTORS = re.compile(r"nurs|midwi|therap|psycholog|scien|pharmac|allied|\bahp\b")


@functools.lru_cache(maxsize=4096)  # a file repeats a few hundred values
def doctor_grade(text: str) -> str:
    """The doctor's grade an ESR grade names ("" if it names none)."""
    words = " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())
    if not words or _NOT_DOCTORS.search(words) or band(text) != Band.OTHER:
        return ""
    return next((grade.value for pattern, grade in _GRADES if re.search(pattern, words)), "")


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


@functools.lru_cache(maxsize=4096)  # a file repeats a few hundred values
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
