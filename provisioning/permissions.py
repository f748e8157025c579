"""Whose people a SCIM request may reach, and whose settings an admin may change.

A SCIM request carries no signed-in person: its bearer token decides the
organisation (`scim_settings_for_token`), and every query after that is keyed
by it, so a token only ever sees its own organisation's people. An id of
another organisation's person answers exactly as an id that does not exist.
The settings page is for programme admins of the organisation they administer
(`kernel.permissions.admin_home_organisation`, as the ESR import is).
"""

import hashlib

from django.db.models import Q, QuerySet

from kernel.models import Organisation, StaffProfile
from kernel.permissions import admin_home_organisation

from .models import ScimIdentity, ScimSettings

BIGGEST_ID = 2**63 - 1


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def scim_settings_for_token(token: str) -> ScimSettings | None:
    """The settings (with the organisation) whose token this is; None for any other token."""
    if not token:
        return None
    return (
        ScimSettings.objects.select_related("organisation")
        .filter(token_hash=token_hash(token))
        .first()
    )


def scim_settings_for_admin(user) -> ScimSettings:
    """The SCIM settings of the organisation a programme admin administers (unsaved, and
    switched off, until they first change them)."""
    organisation = admin_home_organisation(user)
    found = ScimSettings.objects.filter(organisation=organisation).first()
    return found or ScimSettings(organisation=organisation)


def scim_people(organisation: Organisation) -> QuerySet[StaffProfile]:
    """The organisation's people, with what a SCIM User shows of each, oldest first."""
    return (
        StaffProfile.objects.filter(organisation=organisation)
        .select_related("user", "department", "scim_identity")
        .order_by("pk")
    )


def get_scim_person(organisation: Organisation, scim_id: str) -> StaffProfile | None:
    """One of the organisation's people by SCIM id (their profile's number); None otherwise."""
    if not scim_id.isascii() or not scim_id.isdigit() or int(scim_id) > BIGGEST_ID:
        return None
    return scim_people(organisation).filter(pk=int(scim_id)).first()


def scim_people_matching(organisation: Organisation, clauses: list[tuple[str, str]]):
    """scim_people filtered by `[(key, value)]` from a SCIM filter (every clause holds).

    A person Entra ID has not named yet answers to their email as their userName,
    so a directory finds people the ESR import or an admin added and takes them over.
    """
    people = scim_people(organisation)
    for key, value in clauses:
        if key == "id":
            if not value.isascii() or not value.isdigit() or int(value) > BIGGEST_ID:
                return people.none()
            people = people.filter(pk=int(value))
        elif key == "userName":
            people = people.filter(
                Q(scim_identity__user_name__iexact=value)
                | Q(scim_identity__isnull=True, user__email__iexact=value)
            )
        elif key == "externalId":
            people = people.filter(scim_identity__external_id=value) if value else people.none()
        elif key == "email":
            people = people.filter(user__email__iexact=value)
    return people


def unnamed_person_with_email(organisation: Organisation, email: str) -> StaffProfile | None:
    """The organisation's person with this email whom Entra ID has not named yet, if any."""
    if not email:
        return None
    return (
        scim_people(organisation)
        .filter(user__email__iexact=email, scim_identity__isnull=True)
        .first()
    )


def user_name_taken(organisation: Organisation, user_name: str, *, besides=None) -> bool:
    """Whether another of the organisation's people already answers to this userName."""
    people = scim_people_matching(organisation, [("userName", user_name)])
    if besides is not None:
        people = people.exclude(pk=besides.pk)
    return people.exists()


def staff_number_taken(organisation: Organisation, number: str, *, besides=None) -> bool:
    people = StaffProfile.objects.filter(organisation=organisation, employee_number=number)
    if besides is not None:
        people = people.exclude(pk=besides.pk)
    return bool(number) and people.exists()


def identity_of(profile: StaffProfile) -> ScimIdentity | None:
    try:
        return profile.scim_identity
    except ScimIdentity.DoesNotExist:
        return None
