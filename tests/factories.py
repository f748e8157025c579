import datetime
from collections.abc import Iterable

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from feedback.models import FeedbackAnswer, FeedbackResponse
from feedback.services.feedback import questions_for
from kernel.models import (
    Band,
    Department,
    Modality,
    Organisation,
    PeriodKind,
    Profession,
    Programme,
    RoleGrant,
    StaffProfile,
)
from peergroups.models import Group
from supervision.models import Agreement, Mode, SupervisorProfile, WeeklyAvailability

PASSWORD = "a-long-test-password"
# The authenticator app of every test user who must have one (see
# add_authenticator_app); tests compute its codes with totp_code().
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def add_authenticator_app(user) -> None:
    """Set up two-factor authentication (an authenticator app) for `user`, as allauth would."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, TOTP_SECRET)


def totp_code(secret: str = TOTP_SECRET) -> str:
    """The code an authenticator app shows right now."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Test Hospitals NHS Trust {n}")
    slug = factory.Sequence(lambda n: f"trust-{n}")


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Ward {n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@trust.example")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")

    @factory.post_generation
    def password(self: User, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )

    @factory.post_generation
    def authenticator_app(
        self: User, create: bool, extracted: bool | None, **kwargs: object
    ) -> None:
        """A staff user has set up two-factor authentication, as they must (False: not yet)."""
        if create and (self.is_staff if extracted is None else extracted):
            add_authenticator_app(self)


class StaffProfileFactory(factory.django.DjangoModelFactory[StaffProfile]):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    department = factory.LazyAttribute(lambda o: DepartmentFactory(organisation=o.organisation))
    profession = Profession.NURSE
    band = Band.BAND_6
    job_title = "Staff nurse"


class RoleGrantFactory(factory.django.DjangoModelFactory[RoleGrant]):
    class Meta:
        model = RoleGrant
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)

    @factory.post_generation
    def authenticator_app(
        self: RoleGrant, create: bool, extracted: bool | None, **kwargs: object
    ) -> None:
        """Programme admins and wellbeing leads have set up two-factor authentication,
        as they must before they can do anything (False: not yet)."""
        from accounts.permissions import MFA_ROLES

        if create and (self.role in MFA_ROLES if extracted is None else extracted):
            add_authenticator_app(self.user)


class ProgrammeFactory(factory.django.DjangoModelFactory[Programme]):
    class Meta:
        model = Programme

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"One-to-one supervision {n}")
    allowance_sessions = 2
    session_minutes = 60
    period_kind = PeriodKind.FIXED
    period_start = datetime.date(2026, 4, 1)
    period_end = datetime.date(2027, 3, 31)


class GroupFactory(factory.django.DjangoModelFactory[Group]):
    """A monthly group of the organisation's, on Tuesdays 14:00 to 15:30, with no meetings yet
    (`peergroups.services.groups.group_create` generates them; tests create the ones they need)."""

    class Meta:
        model = Group
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    programme = factory.SubFactory(
        ProgrammeFactory,
        organisation=factory.SelfAttribute("..organisation"),
        modality=Modality.GROUP,
        allowance_sessions=None,
    )
    name = factory.Sequence(lambda n: f"Reflective practice group {n}")
    group_type = "reflective_practice"
    weekday = 1
    start_time = datetime.time(14)
    end_time = datetime.time(15, 30)
    starts_on = datetime.date(2026, 9, 1)

    @factory.post_generation
    def facilitators(self: Group, create: bool, extracted: Iterable | None, **kwargs: object):
        if create and extracted:
            self.facilitators.set(extracted)


class SupervisorProfileFactory(factory.django.DjangoModelFactory[SupervisorProfile]):
    class Meta:
        model = SupervisorProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    capacity = 6
    mode = Mode.ONLINE
    meeting_link = "https://teams.microsoft.com/l/meetup-join/abc"

    @factory.post_generation
    def programmes(
        self: SupervisorProfile,
        create: bool,
        extracted: Iterable[Programme] | None,
        **kwargs: object,
    ) -> None:
        if create and extracted:
            self.programmes.set(extracted)


class AgreementFactory(factory.django.DjangoModelFactory[Agreement]):
    """An agreement both people have accepted."""

    class Meta:
        model = Agreement

    programme = factory.SubFactory(ProgrammeFactory)
    supervisor = factory.SubFactory(UserFactory)
    supervisee = factory.SubFactory(UserFactory)
    start_date = datetime.date(2026, 4, 1)
    review_date = datetime.date(2027, 4, 1)
    supervisor_accepted_at = factory.LazyFunction(timezone.now)
    supervisee_accepted_at = factory.LazyFunction(timezone.now)


class WeeklyAvailabilityFactory(factory.django.DjangoModelFactory[WeeklyAvailability]):
    class Meta:
        model = WeeklyAvailability

    supervisor = factory.SubFactory(UserFactory)
    weekday = 1  # Tuesday
    start_time = datetime.time(14, 0)
    end_time = datetime.time(16, 0)
    valid_from = datetime.date(2026, 1, 1)
    mode = Mode.ONLINE
    meeting_link = "https://teams.microsoft.com/l/meetup-join/abc"


def feedback_given(session, *, rating: int, text: str) -> FeedbackResponse:
    """The supervisee's feedback on `session`: the first rating and the last text question."""
    response = FeedbackResponse.objects.create(
        author=session.supervisee,
        programme=session.programme,
        session=session,
        supervisor=session.supervisor,
    )
    rating_question, *_, text_question = questions_for(session.programme)
    FeedbackAnswer.objects.create(response=response, question=rating_question, rating=rating)
    FeedbackAnswer.objects.create(response=response, question=text_question, text=text)
    return response
