"""Held sessions and group meetings for the standards tests."""

import datetime

from peergroups.models import Attendance, GroupSession
from supervision.models import Session
from tests.factories import GroupFactory, StaffProfileFactory


def held(programme, supervisee, starts_at, *, status=Session.Status.ATTENDED):
    supervisor = StaffProfileFactory(organisation=programme.organisation).user
    return Session.objects.create(
        programme=programme,
        supervisor=supervisor,
        supervisee=supervisee,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
        status=status,
    )


def present_at_meeting(organisation, user, starts_at, *, status=Attendance.Status.PRESENT):
    group = GroupFactory(organisation=organisation)
    meeting = GroupSession.objects.create(
        group=group,
        occurrence=starts_at.date(),
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=1),
    )
    return Attendance.objects.create(session=meeting, user=user, status=status)
