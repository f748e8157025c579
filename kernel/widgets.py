"""Form widgets shared by every app."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PARTS = ("day", "month", "year")


def _number(text: str, digits: int) -> int | None:
    """`text` as a whole number of 1 to `digits` plain digits, else None (so "²", "٣"
    and a thousand nines are not numbers here)."""
    if text.isascii() and text.isdigit() and len(text) <= digits:
        return int(text)
    return None


class DateParts(str):
    """What was typed in a date's three boxes. As a string it is the ISO date they
    make, or text that no date format accepts (so the field says the date is not
    valid); `parts` keeps the boxes' contents to show back."""

    parts: tuple[str, str, str]

    def __new__(cls, day: str, month: str, year: str):
        y, m, d = _number(year, 4), _number(month, 2), _number(day, 2)
        try:
            if len(year) != 4 or y is None or m is None or d is None:
                raise ValueError(year)
            text = datetime.date(y, m, d).isoformat()
        except ValueError:
            text = "not a date"
        made = super().__new__(cls, text)
        made.parts = (day, month, year)
        return made

    @property
    def missing(self) -> tuple[str, ...]:
        """The boxes left empty, in order ("month",), ("day", "month")."""
        return tuple(part for part, text in zip(PARTS, self.parts, strict=True) if not text)

    @property
    def year_not_four_numbers(self) -> bool:
        """A year typed in numbers, but not 4 of them (27 for 2027)."""
        year = self.parts[2]
        return year.isascii() and year.isdigit() and len(year) != 4

    @property
    def faulty(self) -> set[str]:
        """The boxes to mark as wrong: those wrong on their own, else all three (31 2 2027)."""
        day, month, year = self.parts
        wrong = {
            part
            for part, text, top in (("day", day, 31), ("month", month, 12))
            if not 1 <= (_number(text, 2) or 0) <= top
        }
        if len(year) != 4 or _number(year, 4) is None:
            wrong.add("year")
        return wrong or set(PARTS)


class DateInput(forms.MultiWidget):
    """The NHS.UK date input: day, month and year boxes in a fieldset.

    Posted as `<name>_day`, `<name>_month` and `<name>_year`; a single ISO date
    posted under the plain `<name>` (API clients, tests, a hidden field) is
    accepted too. The field gets an ISO string, so a DateField validates and
    cleans it as usual: an impossible date (31 2 2027) is the field's "invalid"
    error. The crispy pack renders it with templates/components/date_input.html.
    """

    def __init__(self, attrs=None):
        boxes: dict[str, forms.Widget | type[forms.Widget]] = {
            part: forms.TextInput(attrs={"inputmode": "numeric"}) for part in PARTS
        }
        super().__init__(boxes, attrs)

    @property
    def hint(self):
        """The hint shown when the field has no help text of its own."""
        year = timezone.localdate().year + 1
        return _("For example, 15 3 %(year)s") % {"year": year}

    def decompress(self, value):
        if isinstance(value, DateParts):
            return list(value.parts)
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        if isinstance(value, str) and value.count("-") == 2:
            year, month, day = value.split("-")
            return [day.lstrip("0") or day, month.lstrip("0") or month, year]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        typed = [str(data.get(f"{name}_{part}", "")).strip() for part in PARTS]
        if not any(typed):
            return data.get(name, "")
        return DateParts(*typed)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and all(f"{name}_{part}" not in data for part in PARTS)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # Ids id_<name>_day etc. (Django's would be id_<name>_0), as SelectDateWidget's.
        for part, subwidget in zip(PARTS, context["widget"]["subwidgets"], strict=True):
            if subwidget["attrs"].get("id"):
                subwidget["attrs"]["id"] = f"{context['widget']['attrs']['id']}_{part}"
        return context

    def id_for_label(self, id_):
        return f"{id_}_day" if id_ else ""
