"""Forms for a person's own account details."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import nmc_pin_clean


class NmcPinForm(forms.Form):
    nmc_pin = forms.CharField(
        label=_("NMC PIN"),
        required=False,
        help_text=_(
            "Your Nursing and Midwifery Council personal identification number, "
            "for example 12A3456B. Leave it blank to remove it."
        ),
        widget=forms.TextInput(
            attrs={
                "class": "nhsuk-input--width-10",
                "autocomplete": "off",
                "spellcheck": "false",
            }
        ),
    )

    def clean_nmc_pin(self) -> str:
        return nmc_pin_clean(self.cleaned_data["nmc_pin"])
