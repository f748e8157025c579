from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import DateField, Form

from .presenters import action_words


class AuditFilterForm(Form):
    error_names = {
        "actor": _("the email address of who did it"),
        "date_from": _("the from date"),
        "date_to": _("the to date"),
    }

    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Who (email address)"), required=False, max_length=254)
    date_from = DateField(label=_("From"), required=False)
    date_to = DateField(label=_("To"), required=False)

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["action"]).choices = [
            ("", _("Any action")),
            *sorted(((a, action_words(a)) for a in actions), key=lambda choice: choice[1]),
        ]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The to date must be the same as or after the from date"))
        return cleaned
