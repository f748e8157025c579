"""Django's password checks (settings.AUTH_PASSWORD_VALIDATORS) with their messages in
the NHS.UK design system's words: what is wrong with the password and how to fix it."""

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return ngettext(
            "Your password must be %(min_length)d character or more",
            "Your password must be %(min_length)d characters or more",
            self.min_length,
        )


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    def get_error_message(self):
        return _("Your password is too like your %(verbose_name)s: choose a different password")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def get_error_message(self):
        return _("Your password is too common: choose one that is harder to guess")


class NumericPasswordValidator(password_validation.NumericPasswordValidator):
    def get_error_message(self):
        return _("Your password must include letters or symbols, not only numbers")
