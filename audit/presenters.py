"""The audit trail in words: what the log page and its CSV file show for an entry.

Entries store codes ("report.compliance_viewed", "supervision.session") and
identifiers; people read sentences ("Viewed per-person compliance",
"Session 123"). An action without a sentence here is still shown in words,
made from its code ("staff_import.columns_saved": "Staff import: columns
saved"), so a new action never shows as a code. The filters a report was
opened with are stored as a query string and shown as "Programme: Clinical
supervision; from 1 April 2026".
"""

import datetime
from dataclasses import dataclass
from urllib.parse import parse_qsl

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.models import Band, Profession

# Sign-in and two-factor events (accounts.signin_audit).
SIGNED_IN = "account.signed_in"
SIGNIN_FAILED = "account.signin_failed"
TWO_FACTOR_ON = "account.two_factor_on"
TWO_FACTOR_OFF = "account.two_factor_off"
TWO_FACTOR_CODE_WRONG = "account.two_factor_code_wrong"
RECOVERY_CODES_CREATED = "account.recovery_codes_created"
RECOVERY_CODES_REGENERATED = "account.recovery_codes_regenerated"
RECOVERY_CODE_USED = "account.recovery_code_used"

ACTION_WORDS = {
    "access.denied": gettext_lazy("Was refused a page"),
    "access.not_found": gettext_lazy("Asked for a record they cannot see"),
    SIGNED_IN: gettext_lazy("Signed in"),
    SIGNIN_FAILED: gettext_lazy("Failed to sign in"),
    TWO_FACTOR_ON: gettext_lazy("Two-factor authentication turned on"),
    TWO_FACTOR_OFF: gettext_lazy("Two-factor authentication turned off"),
    TWO_FACTOR_CODE_WRONG: gettext_lazy("Entered a wrong two-factor code"),
    RECOVERY_CODES_CREATED: gettext_lazy("Recovery codes created"),
    RECOVERY_CODES_REGENERATED: gettext_lazy("Recovery codes replaced by new ones"),
    RECOVERY_CODE_USED: gettext_lazy("Used a recovery code"),
    "invitation.accepted": gettext_lazy("Accepted their invitation"),
    "account.sso_connected": gettext_lazy("Connected a Microsoft account"),
    "account.nmc_pin_set": gettext_lazy("Saved their NMC PIN"),
    "account.nmc_pin_removed": gettext_lazy("Removed their NMC PIN"),
    "personal_data.exported": gettext_lazy("Downloaded their own data"),
    "staff.added": gettext_lazy("Added a member of staff"),
    "staff.invited": gettext_lazy("Invited a member of staff"),
    "staff.updated": gettext_lazy("Changed a member of staff's details"),
    "staff.deactivated": gettext_lazy("Deactivated a member of staff"),
    "staff.reactivated": gettext_lazy("Reactivated a member of staff"),
    "staff.anonymised": gettext_lazy("Anonymised a former member of staff"),
    "staff_import.started": gettext_lazy("Started a staff import"),
    "staff_import.checked": gettext_lazy("Checked a staff import"),
    "staff_import.applied": gettext_lazy("Applied a staff import"),
    "staff_import.columns_saved": gettext_lazy("Saved the columns of a staff import"),
    "role.granted": gettext_lazy("Gave a role"),
    "role.removed": gettext_lazy("Removed a role"),
    "department.added": gettext_lazy("Added a department"),
    "department.updated": gettext_lazy("Changed a department"),
    "programme.created": gettext_lazy("Created a programme"),
    "programme.updated": gettext_lazy("Changed a programme"),
    "allowance.extra_granted": gettext_lazy("Granted extra sessions"),
    "allowance.extra_revoked": gettext_lazy("Revoked extra sessions"),
    "report.compliance_viewed": gettext_lazy("Viewed per-person compliance"),
    "report.compliance_exported": gettext_lazy("Exported per-person compliance"),
    "report.target_set": gettext_lazy("Set a coverage target"),
    "audit.exported": gettext_lazy("Exported the audit log"),
    "session.booked": gettext_lazy("Booked a session"),
    "session.confirmed": gettext_lazy("Confirmed a session"),
    "session.rescheduled": gettext_lazy("Moved a session"),
    "session.cancelled": gettext_lazy("Cancelled a session"),
    "session.logged": gettext_lazy("Recorded a session"),
    "agreement.requested": gettext_lazy("Asked for a supervision agreement"),
    "agreement.accepted": gettext_lazy("Accepted a supervision agreement"),
    "agreement.changed": gettext_lazy("Changed a supervision agreement"),
    "agreement.ended": gettext_lazy("Ended a supervision agreement"),
    "availability.added": gettext_lazy("Added available times"),
    "availability.removed": gettext_lazy("Removed available times"),
    "supervisor.profile_created": gettext_lazy("Created a supervisor profile"),
    "supervisor.profile_updated": gettext_lazy("Changed a supervisor profile"),
    "group.created": gettext_lazy("Created a group"),
    "group.changed": gettext_lazy("Changed a group"),
    "group.closed": gettext_lazy("Closed a group"),
    "group.join_requested": gettext_lazy("Asked to join a group"),
    "group.member_added": gettext_lazy("Added a group member"),
    "group.member_removed": gettext_lazy("Removed a group member"),
    "group.member_left": gettext_lazy("Left a group"),
    "group.place_offered": gettext_lazy("Offered a place in a group"),
    "group.offer_accepted": gettext_lazy("Accepted a place in a group"),
    "group.offer_declined": gettext_lazy("Declined a place in a group"),
    "group.offer_expired": gettext_lazy("A place offered in a group expired"),
    "group.meetings_added": gettext_lazy("Added group meetings"),
    "group.meeting_moved": gettext_lazy("Moved a group meeting"),
    "group.meeting_cancelled": gettext_lazy("Cancelled a group meeting"),
    "group.register_taken": gettext_lazy("Took a group's register"),
    "group.record_written": gettext_lazy("Wrote a group meeting record"),
    "feedback.given": gettext_lazy("Gave feedback"),
    "restore.check": gettext_lazy("Checked a backup restore"),
    "history.generated": gettext_lazy("Made a supervision history"),
}

# Record types whose app label says nothing to a reader.
TARGET_WORDS = {
    "url": gettext_lazy("Page"),
    "accounts.user": gettext_lazy("Account"),
    "account": gettext_lazy("Account"),
    "supervision.staffprofile": gettext_lazy("Member of staff"),
    "supervision.rolegrant": gettext_lazy("Role"),
    "supervision.staffimport": gettext_lazy("Staff import"),
    "supervision.staffimportmapping": gettext_lazy("Staff import columns"),
    "supervision.allowanceextra": gettext_lazy("Extra sessions"),
    "mfa.authenticator": gettext_lazy("Two-factor authenticator"),
}

# The names of the filters a report or list was opened with.
FILTER_WORDS = {
    "organisation": gettext_lazy("organisation"),
    "programme": gettext_lazy("programme"),
    "department": gettext_lazy("department"),
    "band": gettext_lazy("band"),
    "profession": gettext_lazy("profession"),
    "status": gettext_lazy("show"),
    "date_from": gettext_lazy("from"),
    "date_to": gettext_lazy("to"),
    "period": gettext_lazy("period"),
    "q": gettext_lazy("search"),
}
# Filters naming a record by id, shown by its name (audit.permissions.names_for).
NAMED_FILTERS = ("organisation", "programme", "department")
CHOICE_FILTERS = {"band": dict(Band.choices), "profession": dict(Profession.choices)}


def _from_code(code: str) -> str:
    """'staff_import.columns_saved' -> 'Staff import: columns saved'."""
    parts = [part.replace("_", " ").strip() for part in code.split(".") if part.strip()]
    return ": ".join(parts).capitalize() if parts else code


def action_words(code: str) -> str:
    """The sentence for an action code, e.g. 'Signed in'."""
    words = ACTION_WORDS.get(code)
    return str(words) if words is not None else _from_code(code)


def target_words(target_type: str, target_id: str) -> str:
    """'Session 123', 'Page /people/9/'."""
    known = TARGET_WORDS.get(target_type)
    words = str(known) if known is not None else target_type.rsplit(".", 1)[-1].capitalize()
    return f"{words} {target_id}".strip()


def _date(value: str) -> str:
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day:%-d %B %Y}"


def filter_ids(query: str) -> dict[str, set[int]]:
    """{filter: ids} of the records a stored query string names, for names_for."""
    found: dict[str, set[int]] = {}
    for key, value in parse_qsl(query):
        if key in NAMED_FILTERS and value.isdigit():
            found.setdefault(key, set()).add(int(value))
    return found


def filters_words(query: str, names: dict[str, dict[int, str]]) -> str:
    """A stored query string in words: 'programme: Clinical supervision; from 1 April 2026'.

    `names`: {filter: {id: name}} of the records the strings name. An empty
    filter is left out; one this module does not know is shown by its name.
    """
    parts = []
    for key, value in parse_qsl(query):
        if not value or key == "page":
            continue
        label = str(FILTER_WORDS.get(key, key.replace("_", " ")))
        if key in NAMED_FILTERS and value.isdigit():
            value = names.get(key, {}).get(int(value), _("number %(id)s") % {"id": value})
        elif key in CHOICE_FILTERS:
            value = str(CHOICE_FILTERS[key].get(value, value))
        elif key.startswith("date"):
            value = _date(value)
        parts.append(f"{label}: {value}")
    return "; ".join(parts) or _("none")


def _value_words(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(str(item).replace("_", " ") for item in value)
    return str(value)


def details_words(details: dict, names: dict[str, dict[int, str]]) -> str:
    """An entry's details as plain words: 'Filters: programme: PNA; fields: band, last name'."""
    parts = []
    for key, value in details.items():
        label = key.replace("_", " ").capitalize()
        if key == "filters" and isinstance(value, str):
            parts.append(f"{label}: {filters_words(value, names)}")
        else:
            parts.append(f"{label}: {_value_words(value)}")
    return "; ".join(parts)


@dataclass(frozen=True)
class EntryView:
    """One entry as the log page and its CSV file show it."""

    entry: object
    when: datetime.datetime
    who: str
    action: str
    summary: str
    target: str
    details: str
    organisation: str
    ip_address: str


def _who(entry) -> str:
    if entry.actor is not None:
        return entry.actor.email
    if entry.actor_id:
        return _("Account %(id)s (deleted)") % {"id": entry.actor_id}
    if (entry.details or {}).get("via"):  # audit.context.acting_as, e.g. "SCIM (Entra ID)"
        return str(entry.details["via"])
    return _("The system")


def present(entries, *, names: dict[str, dict[int, str]], organisations: dict[int, str]):
    """EntryViews of `entries` (with `actor` fetched); `names` from names_for over
    `query_ids(entries)`, `organisations` {id: name} or {} when there is one."""
    return [
        EntryView(
            entry=entry,
            when=entry.created_at,
            who=_who(entry),
            action=action_words(entry.action),
            summary=entry.summary,
            target=target_words(entry.target_type, entry.target_id),
            details=details_words(entry.details, names),
            organisation=organisations.get(entry.organisation_id, ""),
            ip_address=entry.ip_address or "",
        )
        for entry in entries
    ]


def query_ids(entries) -> dict[str, set[int]]:
    """{filter: ids} named by the stored filters of all `entries`."""
    found: dict[str, set[int]] = {}
    for entry in entries:
        filters = entry.details.get("filters") if isinstance(entry.details, dict) else None
        if isinstance(filters, str):
            for key, ids in filter_ids(filters).items():
                found.setdefault(key, set()).update(ids)
    return found
