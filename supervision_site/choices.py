"""get_FOO_display() without translating every choice on every call.

Django's Model._get_FIELD_display builds a dict of the field's choices each
time it is called, and hashing each lazy label translates it: a band column
of 50 people translated about 700 labels a page. ChoiceLabels builds that
dict once per field and keeps the labels lazy, so each call translates one
label, in the language active at the time. A model takes it by listing it
before models.Model (or an abstract base that does).
"""

from functools import cache

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@cache
def _labels(field: models.Field) -> dict:
    # Keyed on the value alone: a choice's value is never lazy, so nothing is
    # translated here and the labels stay lazy.
    return {make_hashable(value): label for value, label in field.flatchoices}


class ChoiceLabels:
    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
