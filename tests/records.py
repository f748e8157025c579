"""One record of each kind, for the tests that walk every URL.

The role x URL matrix (test_url_matrix.py) and the forms robustness test
(test_forms_robustness.py) both need one object behind every URL that takes an
id; tests/conftest.py makes `records` a fixture for every test module.
"""

import datetime

import pytest
from django.utils import timezone


@pytest.fixture
def records(supervisee, supervisor, organisation, facilitator, peer_supporter, programme_admin):
    """One of each record, belonging to the supervisee, the supervisor and their trust."""
    built = build_records(
        organisation=organisation,
        supervisee=supervisee,
        supervisor=supervisor,
        facilitator=facilitator,
        peer_supporter=peer_supporter,
    )
    # The trust's programme admin moderates its learning community.
    built["community"].coordinators.add(programme_admin)
    # An ESR file the trust's programme admin has checked, not yet applied.
    from supervision.models import StaffImport

    built["staff_import"] = StaffImport.objects.create(
        organisation=organisation,
        uploaded_by=programme_admin,
        file_name="esr.csv",
        whole_organisation=False,
        content="Employee Number,First Name,Last Name\n1,A,B\n",
        plan={"counts": {"rows": 1}},
    )
    # Extra sessions the trust's programme admin granted the supervisee.
    from supervision.models import AllowanceExtra

    today = timezone.localdate()
    built["extra"] = AllowanceExtra.objects.create(
        programme=built["programme"],
        user=supervisee,
        sessions=1,
        reason="Returning from leave",
        valid_from=today,
        valid_until=today + datetime.timedelta(days=90),
        granted_by=programme_admin,
    )
    return built


def build_records(*, organisation, supervisee, supervisor, facilitator, peer_supporter):
    """The `records` fixture's records, for any organisation and its people."""
    from kernel.models import Theme
    from supervision.models import (
        AvailabilityException,
        AvailabilitySlot,
        Session,
        SessionRecord,
        TrainingRecord,
    )
    from tests.factories import (
        AgreementFactory,
        ProgrammeFactory,
        SupervisorProfileFactory,
        WeeklyAvailabilityFactory,
    )

    programme = ProgrammeFactory(organisation=organisation)
    profile = SupervisorProfileFactory(user=supervisor, programmes=[programme])
    agreement = AgreementFactory(programme=programme, supervisor=supervisor, supervisee=supervisee)
    from feedback.models import WellbeingMeasure

    # The programme asks the wellbeing questions: the supervisee takes part in it.
    WellbeingMeasure.objects.create(
        programme=programme,
        statements=[f"Statement {n}" for n in range(1, 8)],
        licence="Registered with the University of Warwick",
    )
    now = timezone.now()

    def session(start):
        return Session.objects.create(
            programme=programme,
            agreement=agreement,
            supervisor=supervisor,
            supervisee=supervisee,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            meeting_link="https://teams.microsoft.com/l/meetup-join/x",
        )

    upcoming = session(now + datetime.timedelta(days=3))
    group_records = _group_records(organisation, supervisee, peer_supporter, facilitator, now)
    from feedback.models import ImprovementIdea, JournalEntry
    from feedback.services.feedback import questions_for
    from peergroups.models import Attendance

    Attendance.objects.create(
        session=group_records["held_meeting"], user=supervisee, status="present"
    )
    past = session(now - datetime.timedelta(days=3))
    past.status = Session.Status.ATTENDED
    past.save()
    SessionRecord.objects.create(session=past, actual_minutes=60, logged_by=supervisor)
    return {
        "programme": programme,
        "supervisor_profile": profile,
        "agreement": agreement,
        "upcoming": upcoming,
        "past": past,
        "theme": Theme.objects.create(organisation=organisation, name="Workload"),
        "department": supervisee.profile.department,
        "person": supervisee.profile,
        "training": TrainingRecord.objects.create(
            supervisor=profile, kind="pna", completed_on=datetime.date(2024, 5, 1)
        ),
        "slot": AvailabilitySlot.objects.create(
            supervisor=supervisor,
            starts_at=now + datetime.timedelta(days=9),
            ends_at=now + datetime.timedelta(days=9, hours=2),
        ),
        "weekly": WeeklyAvailabilityFactory(supervisor=supervisor),
        "away": AvailabilityException.objects.create(
            supervisor=supervisor,
            starts_at=now + datetime.timedelta(days=20),
            ends_at=now + datetime.timedelta(days=21),
        ),
        **group_records,
        "question": questions_for(programme)[0],
        "journal_entry": JournalEntry.objects.create(
            author=supervisee,
            template="gibbs",
            title="A hard night",
            sections={"description": "What happened on the ward."},
        ),
        "idea": ImprovementIdea.objects.create(
            author=supervisee,
            organisation=organisation,
            department=supervisee.profile.department,
            title="Protected break rota",
            description="A rota so night staff get their breaks.",
        ),
    }


def _group_records(organisation, supervisee, peer_supporter, facilitator, now):
    """A group the facilitator runs, a request to join it, a meeting to come and one
    held; a peer-support request; a resource with a file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kernel.models import Modality, Theme
    from peergroups.models import (
        GroupSession,
        PeerSupporterProfile,
        Resource,
        SupportRequest,
        ThemeStatement,
    )
    from peergroups.services.groups import group_create, membership_request
    from tests.factories import ProgrammeFactory, StaffProfileFactory

    programme = ProgrammeFactory(
        organisation=organisation,
        modality=Modality.GROUP,
        allowance_sessions=None,
        name="Reflective practice groups",
    )
    group = group_create(
        actor=None,
        organisation=organisation,
        facilitators=[facilitator],
        programme=programme,
        name="Reflective practice",
        description="",
        group_type="reflective_practice",
        capacity=8,
        mode="online",
        meeting_link="https://teams.microsoft.com/l/meetup-join/group",
        location="",
        recurrence="monthly",
        weekday=1,
        week_of_month=2,
        start_time=datetime.time(14),
        end_time=datetime.time(15, 30),
        starts_on=(now + datetime.timedelta(days=1)).date(),
        ends_on=None,
        open_to_other_organisations=False,
        offer_hours=72,
        absence_threshold=2,
    )
    newcomer = StaffProfileFactory(organisation=organisation).user
    held_start = now - datetime.timedelta(days=2)
    upcoming_meeting = group.sessions.order_by("starts_at").first()
    held_meeting = GroupSession.objects.create(
        group=group,
        occurrence=held_start.date(),
        starts_at=held_start,
        ends_at=held_start + datetime.timedelta(minutes=90),
    )
    PeerSupporterProfile.objects.create(user=peer_supporter)
    return {
        "group": group,
        "membership": membership_request(actor=newcomer, group=group),
        "meeting": upcoming_meeting,
        "held_meeting": held_meeting,
        # A theme the facilitator wrote for the organisation, not yet released
        "theme_statement": ThemeStatement.objects.create(
            meeting=held_meeting,
            theme=Theme.objects.create(organisation=organisation, name="Rotas"),
            statement="Rotas change at short notice",
            drafted_by=facilitator,
            drafted_at=now,
        ),
        "external_facilitator": _external_facilitator(organisation, now),
        **_community_records(organisation, peer_supporter),
        "support_request": SupportRequest.objects.create(
            organisation=organisation,
            requester=supervisee,
            contact_mode="phone",
            status="assigned",
            supporter=peer_supporter,
            assigned_at=now,
            first_contact_due=now + datetime.timedelta(hours=72),
        ),
        "resource": Resource.objects.create(
            organisation=organisation,
            title="After an adverse event",
            file=SimpleUploadedFile("guide.pdf", b"%PDF-1.4 guide", content_type="application/pdf"),
        ),
    }


def _community_records(organisation, peer_supporter):
    """A learning community of the organisation and another, with a shared resource."""
    from kernel.models import Organisation
    from peergroups.models import CommunityReply, CommunityThread, LearningCommunity

    community = LearningCommunity.objects.create(name=f"{organisation.name} learning community")
    neighbour = Organisation.objects.create(
        name=f"{organisation.name} neighbour", slug=f"{organisation.slug}-neighbour"
    )
    community.organisations.add(organisation, neighbour)
    thread = CommunityThread.objects.create(
        community=community,
        author=peer_supporter,
        title="Starting the conversation",
        body="How do you open a first call?",
    )
    reply = CommunityReply.objects.create(
        thread=thread, author=peer_supporter, body="I ask how they are sleeping."
    )
    return {"community": community, "community_thread": thread, "community_reply": reply}


def _external_facilitator(organisation, now):
    """A facilitator from outside the organisation: the role there, no staff profile."""
    from kernel.models import Role, RoleGrant
    from peergroups.models import ExternalFacilitator
    from tests.factories import UserFactory

    user = UserFactory()
    RoleGrant.objects.create(user=user, organisation=organisation, role=Role.FACILITATOR)
    return ExternalFacilitator.objects.create(
        user=user, organisation=organisation, affiliation="Independent", invited_at=now
    )
