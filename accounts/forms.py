"""allauth's and Django's account forms, with the NHS.UK error wording of every form
here (kernel.forms.NHSErrors). settings.ACCOUNT_FORMS, MFA_FORMS and
SOCIALACCOUNT_FORMS point allauth's views at them; tests/test_form_wording.py
checks that every form a page shows has the wording."""

from allauth.account import forms as account
from allauth.mfa.base import forms as mfa
from allauth.mfa.recovery_codes import forms as recovery_codes
from allauth.mfa.totp import forms as totp
from allauth.socialaccount import forms as social
from django import forms
from django.contrib.auth import forms as auth
from django.utils.translation import gettext_lazy as _

from kernel.forms import Form, NHSErrors

from .models import nmc_pin_clean

SAME_PASSWORD = _("Enter the same password in both boxes")
NEW_PASSWORD = {
    "password1": _("a new password"),
    "password2": _("the new password again"),
}
YOUR_EMAIL = {"email": _("your email address")}
YOUR_PASSWORD = {"password": _("your password")}
TWO_FACTOR_CODE = {"code": _("the code from your authenticator app or a recovery code")}


class _SamePasswordTwice(account.PasswordVerificationMixin):
    """allauth's check that both password boxes match, in NHS.UK words."""

    def clean(self):
        # allauth's own check (PasswordVerificationMixin.clean) is skipped for this one.
        cleaned = super(account.PasswordVerificationMixin, self).clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", SAME_PASSWORD)
        return cleaned


class LoginForm(NHSErrors, account.LoginForm):
    error_names = {"login": YOUR_EMAIL["email"], **YOUR_PASSWORD}


class SignupForm(NHSErrors, _SamePasswordTwice, account.SignupForm):
    error_names = {**YOUR_EMAIL, **NEW_PASSWORD}


class AddEmailForm(NHSErrors, account.AddEmailForm):
    error_names = {"email": _("the email address")}


class ChangePasswordForm(NHSErrors, _SamePasswordTwice, account.ChangePasswordForm):
    error_names = {"oldpassword": _("your current password"), **NEW_PASSWORD}


class SetPasswordForm(NHSErrors, _SamePasswordTwice, account.SetPasswordForm):
    error_names = NEW_PASSWORD


class ResetPasswordForm(NHSErrors, account.ResetPasswordForm):
    error_names = YOUR_EMAIL


class ResetPasswordKeyForm(NHSErrors, _SamePasswordTwice, account.ResetPasswordKeyForm):
    error_names = NEW_PASSWORD


class UserTokenForm(NHSErrors, account.UserTokenForm):
    pass


class ReauthenticateForm(NHSErrors, account.ReauthenticateForm):
    error_names = YOUR_PASSWORD


class RequestLoginCodeForm(NHSErrors, account.RequestLoginCodeForm):
    error_names = YOUR_EMAIL


class ConfirmLoginCodeForm(NHSErrors, account.ConfirmLoginCodeForm):
    error_names = {"code": _("the code from the email")}


class ChangeEmailForm(NHSErrors, account.ChangeEmailForm):
    error_names = {"email": _("the new email address")}


class AuthenticateForm(NHSErrors, mfa.AuthenticateForm):
    error_names = TWO_FACTOR_CODE


class MFAReauthenticateForm(NHSErrors, mfa.ReauthenticateForm):
    error_names = TWO_FACTOR_CODE


class ActivateTOTPForm(NHSErrors, totp.ActivateTOTPForm):
    error_names = {"code": _("the code from your authenticator app")}


class DeactivateTOTPForm(NHSErrors, totp.DeactivateTOTPForm):
    pass


class GenerateRecoveryCodesForm(NHSErrors, recovery_codes.GenerateRecoveryCodesForm):
    pass


class SocialSignupForm(NHSErrors, social.SignupForm):
    error_names = YOUR_EMAIL


class DisconnectForm(NHSErrors, social.DisconnectForm):
    error_names = {"account": _("the account to disconnect")}


class InvitationPasswordForm(NHSErrors, auth.SetPasswordForm):
    """Django's form for choosing a password, as an invited person does."""

    error_messages = {"password_mismatch": SAME_PASSWORD}
    error_names = {"new_password1": _("a password"), "new_password2": _("the password again")}


class NmcPinForm(Form):
    """A person's own NMC PIN, for their revalidation documents."""

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
    error_names = {"nmc_pin": _("your NMC PIN")}

    def clean_nmc_pin(self) -> str:
        return nmc_pin_clean(self.cleaned_data["nmc_pin"])
