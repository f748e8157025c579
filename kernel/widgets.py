"""Form widgets shared by every app."""

from django import forms


class DateInput(forms.DateInput):
    """A native date picker; its value must be ISO 8601 whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format=format)
