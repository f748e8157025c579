import re
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

# An NMC PIN: two digits, a letter, four digits, a letter (12A3456B). ASCII only.
_NMC_PIN = re.compile(r"[0-9]{2}[A-Z][0-9]{4}[A-Z]")
NMC_PIN_FORMAT_MESSAGE = _("Enter your NMC PIN in the correct format, like 12A3456B")


def nmc_pin_clean(value: str) -> str:
    """The one rule for an NMC PIN: spaces dropped, letters in capitals, then the format
    checked. Blank means none. Raises a ValidationError naming the format."""
    pin = "".join(str(value).split()).upper()
    if pin and not _NMC_PIN.fullmatch(pin):
        raise ValidationError(NMC_PIN_FORMAT_MESSAGE, code="invalid")
    return pin


def validate_nmc_pin(value: str) -> None:
    """Only a PIN as `nmc_pin_clean` leaves it is stored."""
    if nmc_pin_clean(value) != value:
        raise ValidationError(NMC_PIN_FORMAT_MESSAGE, code="invalid")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with their work email address."""

    # Django's documented way to drop an inherited field; the stubs type it as a str.
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    # When a leaver's name, email and private text were removed (accounts.services).
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)
    # Their Nursing and Midwifery Council PIN, printed on their revalidation forms.
    # Theirs alone to see and change (accounts:nmc_pin); no other page shows it.
    nmc_pin = models.CharField(
        _("NMC PIN"), max_length=8, blank=True, validators=[validate_nmc_pin]
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # A custom user model's manager extends BaseUserManager, as Django's docs show; the
    # stubs declare AbstractUser.objects as contrib.auth's UserManager, which this is not.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]
        indexes = [
            # The directories' order (StaffProfile's and SupervisorProfile's ordering
            # is by name): PostgreSQL walks this index and stops after a page of the
            # organisation's people, instead of sorting everyone it holds.
            models.Index(fields=["last_name", "first_name", "id"], name="accounts_user_name_order"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email
