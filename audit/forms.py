from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.widgets import DateInput


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who (email address)"), required=False, max_length=254)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["action"]).choices = [
            ("", _("Any action")),
            *((a, a) for a in actions),
        ]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The To date must be the same as or after the From date."))
        return cleaned
