from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import Form


class ScimSettingsForm(Form):
    enabled = forms.BooleanField(
        label=_("Let Microsoft Entra ID add, change and deactivate people"),
        required=False,
        help_text=_("Off: Entra ID's requests are refused, even with the right token."),
    )
    invite_new = forms.BooleanField(
        label=_("Email an invitation to each person Entra ID adds"),
        required=False,
        help_text=_("The same invitation an admin sends: a link to set a password."),
    )
