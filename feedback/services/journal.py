"""Writing, changing, deleting and exporting journal entries.

Audit entries name the entry by id only: never its title, its text, or the
session it reflects on, so the audit trail cannot leak a reflection.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_log
from kernel.dates import refuse_future_date

from ..journal_templates import PROMPTS
from ..models import CodeTheme, JournalEntry
from ..models.journal import validate_code_themes
from ..permissions_journal import linkable_sessions


def _clean_sections(template: str, sections: dict[str, str]) -> dict[str, str]:
    if template not in PROMPTS:
        raise ValidationError(_("Choose a journal template."))
    keys = {prompt.key for prompt in PROMPTS[template]}
    unknown = set(sections) - keys
    if unknown:
        raise ValidationError(_("These are not prompts of this template."))
    cleaned = {key: str(text).strip() for key, text in sections.items() if str(text).strip()}
    if not cleaned:
        raise ValidationError(_("Write something for at least one prompt."))
    return cleaned


def _clean_code_themes(themes: Iterable[str]) -> list[str]:
    """The chosen themes of the Code, once each, in the Code's order; others refused."""
    chosen = {str(theme) for theme in themes}
    try:
        validate_code_themes(sorted(chosen))
    except ValidationError as error:
        raise ValidationError({"code_themes": error.messages}) from None
    return [theme for theme in CodeTheme.values if theme in chosen]


def _check_session(author, session_id: int | None, *, keeping: int | None = None) -> None:
    """The one rule for a reflection's session: one of the author's own as the supervisee,
    not cancelled, unless it is the one the entry already names (`keeping`)."""
    if session_id is None:
        return
    if not linkable_sessions(author, keeping=keeping).filter(pk=session_id).exists():
        raise ValidationError(
            {
                "session": _(
                    "Choose a session you took part in as the supervisee and that was "
                    "not cancelled, or no session"
                )
            }
        )


def _audit(actor, action: str, entry: JournalEntry) -> None:
    audit_log(
        actor=actor,
        action=action,
        target=entry,
        summary=action,
        details={"entry_id": entry.pk},
    )


@transaction.atomic
def journal_entry_create(
    *,
    author,
    template: str,
    title: str,
    sections: dict[str, str],
    session_id: int | None = None,
    occurred_on: datetime.date | None = None,
    code_themes: Iterable[str] = (),
) -> JournalEntry:
    """Start a reflection in the author's private journal."""
    _check_occurred_on(author, occurred_on)
    sections = _clean_sections(template, sections)
    _check_session(author, session_id)
    entry = JournalEntry(
        author=author,
        template=template,
        title=title,
        sections=sections,
        session_id=session_id,
        occurred_on=occurred_on,
        code_themes=_clean_code_themes(code_themes),
    )
    entry.full_clean()
    entry.save()
    _audit(author, "journal.entry_created", entry)
    return entry


@transaction.atomic
def journal_entry_update(
    *,
    actor,
    entry: JournalEntry,
    title: str,
    sections: dict[str, str],
    session_id: int | None = None,
    occurred_on: datetime.date | None = None,
    code_themes: Iterable[str] = (),
) -> JournalEntry:
    """Change an entry. Only its author may; the template stays as it was written.

    The session it already names stays allowed even if cancelled since.
    """
    if actor.pk != entry.author_id:
        raise ValidationError(_("Only the author can change this entry."))
    _check_occurred_on(actor, occurred_on)
    entry.sections = _clean_sections(entry.template, sections)
    _check_session(actor, session_id, keeping=entry.session_id)
    entry.title = title
    entry.session_id = session_id
    entry.occurred_on = occurred_on
    entry.code_themes = _clean_code_themes(code_themes)
    entry.full_clean()
    entry.save()
    _audit(actor, "journal.entry_updated", entry)
    return entry


def _check_occurred_on(author, occurred_on) -> None:
    profile = getattr(author, "profile", None)
    refuse_future_date(
        occurred_on,
        field="occurred_on",
        message=_("The date it happened must be today or in the past"),
        time_zone=profile.organisation.time_zone if profile else settings.TIME_ZONE,
    )


@transaction.atomic
def journal_entry_delete(*, actor, entry: JournalEntry) -> None:
    """Delete an entry for good. Only its author may."""
    if actor.pk != entry.author_id:
        raise ValidationError(_("Only the author can delete this entry."))
    _audit(actor, "journal.entry_deleted", entry)
    entry.delete()


@transaction.atomic
def journal_entries_export(*, actor, entries) -> list[JournalEntry]:
    """Note that the author exported these entries (to print or as a PDF)."""
    entries = list(entries)
    for entry in entries:
        if actor.pk != entry.author_id:
            raise ValidationError(_("Only the author can export this entry."))
    for entry in entries:
        _audit(actor, "journal.entry_exported", entry)
    return entries
