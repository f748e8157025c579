"""What to do if help is needed now: the first thing on every peer-support page that a
requester or supporter sees (templates/peergroups/peer_support/urgent_help.html).

The national routes are fixed; the organisation's own (its employee assistance
programme, occupational health, the peer-support coordinator) come from its
peer-support settings, which programme admins keep.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .permissions.peer_support import support_settings_for


def tel(phone: str) -> str:
    """A phone number as a tel: link's target: its digits, and a leading +."""
    digits = "".join(character for character in phone if character.isdigit())
    return f"+{digits}" if phone.strip().startswith("+") else digits


@dataclass(frozen=True)
class Phone:
    number: str

    @property
    def tel(self) -> str:
        return tel(self.number)


@dataclass(frozen=True)
class UrgentHelp:
    eap_name: str
    eap_phone: Phone | None
    eap_hours: str
    occupational_health_phone: Phone | None
    occupational_health_email: str
    coordinator_phone: Phone | None
    first_contact_hours: int

    @property
    def has_occupational_health(self) -> bool:
        return bool(self.occupational_health_phone or self.occupational_health_email)


def _phone(number: str) -> Phone | None:
    return Phone(number) if number else None


def urgent_help_for(organisation_id: int) -> UrgentHelp:
    """The organisation's routes to urgent help, as its pages show them (one query)."""
    settings = support_settings_for(organisation_id)
    return UrgentHelp(
        eap_name=settings.eap_name or _("Employee assistance programme"),
        eap_phone=_phone(settings.eap_phone),
        eap_hours=settings.eap_hours,
        occupational_health_phone=_phone(settings.occupational_health_phone),
        occupational_health_email=settings.occupational_health_email,
        coordinator_phone=_phone(settings.coordinator_phone),
        first_contact_hours=settings.first_contact_hours,
    )


def urgent_help_context(
    organisation_id: int, *, safety_url: str = "", about_one_person: bool = True
) -> dict:
    """What a page's template needs for its urgent-help card; on a supporter's page,
    `safety_url` for "I am worried about this person's safety" (or, on pages about
    nobody in particular, "... about someone I support")."""
    return {
        "urgent_help": urgent_help_for(organisation_id),
        "safety_url": safety_url,
        "safety_link_text": _("I am worried about this person's safety")
        if about_one_person
        else _("I am worried about the safety of someone I support"),
    }
