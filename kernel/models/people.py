from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from supervision_site.choices import ChoiceLabels

from .organisations import Department, Organisation


class Profession(models.TextChoices):
    NURSE = "nurse", _("Nurse")
    MIDWIFE = "midwife", _("Midwife")
    AHP = "ahp", _("Allied health professional")
    DOCTOR = "doctor", _("Doctor")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    SUPPORT_WORKER = "support_worker", _("Healthcare support worker")
    NURSING_ASSOCIATE = "nursing_associate", _("Nursing associate")
    OTHER = "other", _("Other")


class Band(models.TextChoices):
    """NHS Agenda for Change pay bands."""

    BAND_2 = "2", _("Band 2")
    BAND_3 = "3", _("Band 3")
    BAND_4 = "4", _("Band 4")
    BAND_5 = "5", _("Band 5")
    BAND_6 = "6", _("Band 6")
    BAND_7 = "7", _("Band 7")
    BAND_8A = "8a", _("Band 8a")
    BAND_8B = "8b", _("Band 8b")
    BAND_8C = "8c", _("Band 8c")
    BAND_8D = "8d", _("Band 8d")
    BAND_9 = "9", _("Band 9")
    OTHER = "other", _("Other or not applicable")


class Grade(models.TextChoices):
    """Doctors' grades: doctors are not on Agenda for Change bands, so a rule that means
    "junior doctors" names these (FY1 to ST2 are doctors in their first years of training)."""

    FY1 = "fy1", _("Foundation year 1 (FY1)")
    FY2 = "fy2", _("Foundation year 2 (FY2)")
    ST1_2 = "st1_2", _("Core or specialty training years 1 to 2 (CT/ST1-2)")
    ST3_PLUS = "st3_plus", _("Specialty training year 3 or above (ST3+)")
    SAS = "sas", _("Specialty and specialist (SAS) doctor")
    CONSULTANT = "consultant", _("Consultant")


class Role(models.TextChoices):
    """Roles held within an organisation. Everyone with a profile is a supervisee."""

    SUPERVISOR = "supervisor", _("Supervisor")
    FACILITATOR = "facilitator", _("Group facilitator")
    PEER_SUPPORTER = "peer_supporter", _("Peer supporter")
    PROGRAMME_ADMIN = "programme_admin", _("Programme admin")
    WELLBEING_LEAD = "wellbeing_lead", _("Wellbeing lead")


class StaffProfileQuerySet(models.QuerySet):
    def in_organisations(self, organisation_ids):
        return self.filter(organisation_id__in=organisation_ids)

    def active(self):
        return self.filter(user__is_active=True)

    def invited(self):
        """Active people who have not yet set a password from their invitation."""
        return self.active().filter(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)

    def deactivated(self):
        return self.filter(user__is_active=False)


class StaffProfile(ChoiceLabels, models.Model):
    """A member of staff: where they work and what they do."""

    RECORD_TYPE = "supervision.staffprofile"  # kernel.records.record_type

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="profile"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="staff")
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("department"),
    )
    profession = models.CharField(_("profession"), max_length=32, choices=Profession.choices)
    band = models.CharField(_("band"), max_length=8, choices=Band.choices)
    # Doctors only (staff_grade_only_for_doctors); empty for everyone else.
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices, blank=True)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    line_manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("line manager"),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    # The person's number in the Electronic Staff Record (ESR): the key an ESR
    # import matches people by. Blank for people added by hand before any import.
    employee_number = models.CharField(_("staff number"), max_length=30, blank=True, default="")
    invited_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StaffProfileQuerySet.as_manager()

    class Meta:
        db_table = "supervision_staffprofile"  # moved from supervision; table kept
        ordering = ["user__last_name", "user__first_name", "pk"]
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.CheckConstraint(
                condition=~Q(line_manager=models.F("pk")),
                name="staff_not_own_line_manager",
            ),
            models.CheckConstraint(
                condition=Q(grade="") | Q(profession="doctor"),
                name="staff_grade_only_for_doctors",
            ),
            models.UniqueConstraint(
                fields=["organisation", "employee_number"],
                condition=~Q(employee_number=""),
                name="staff_employee_number_unique_in_organisation",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_active(self) -> bool:
        return self.user.is_active

    @property
    def has_accepted_invitation(self) -> bool:
        return self.user.has_usable_password()


class RoleGrant(ChoiceLabels, models.Model):
    """One role held by one person in one organisation."""

    RECORD_TYPE = "supervision.rolegrant"  # kernel.records.record_type

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "supervision_rolegrant"  # moved from supervision; table kept
        ordering = ["organisation", "role"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="role_grant_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} at {self.organisation}"
