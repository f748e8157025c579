"""The journal's forms: one textarea per prompt of the chosen template."""

from typing import cast
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from kernel.forms import DateField, Form

from .journal_templates import prompts_for
from .models import CodeTheme
from .models.journal import CODE_THEMES_MESSAGE

SECTION_PREFIX = "section_"


def describe_session(session) -> str:
    """A session by its date and programme only: no other person is named.

    A cancelled one (only ever an entry's existing link) says so.
    """
    zone = ZoneInfo(session.programme.organisation.time_zone)
    day = date_format(timezone.localtime(session.starts_at, zone), "j F Y")
    described = f"{day} \u2013 {session.programme.name}"
    if session.status == session.Status.CANCELLED:
        described = _("%(session)s (cancelled)") % {"session": described}
    return described


class JournalEntryForm(Form):
    error_names = {
        "occurred_on": _("the date it happened"),
        "session": _("the session to link it to"),
    }

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_(
            "Only you can read your journal. Do not include anything that could identify "
            "a patient, service user or colleague."
        ),
    )
    occurred_on = DateField(
        label=_("When it happened (optional)"),
        required=False,
        help_text=_("For example, 12 5 2026"),
    )
    code_themes = forms.MultipleChoiceField(
        label=_("How is this relevant to the Code?"),
        help_text=_(
            "The themes of the NMC Code this reflection is relevant to. Select all that apply."
        ),
        choices=CodeTheme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": CODE_THEMES_MESSAGE},
    )
    session = forms.TypedChoiceField(
        label=_("Link it to one of your supervision sessions (optional)"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=(),
    )

    def __init__(self, *args, template: str, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.prompts = prompts_for(template)
        cast(forms.ChoiceField, self.fields["session"]).choices = [
            ("", _("No session")),
            *((session.pk, describe_session(session)) for session in sessions),
        ]
        for prompt in self.prompts:
            self.fields[SECTION_PREFIX + prompt.key] = forms.CharField(
                label=prompt.label,
                help_text=prompt.hint,
                required=False,
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 5}),
            )
        # Prompts come after the title and date, then the Code, the session link last.
        self.order_fields(
            [
                "title",
                "occurred_on",
                *(SECTION_PREFIX + p.key for p in self.prompts),
                "code_themes",
                "session",
            ]
        )

    @staticmethod
    def initial_for(entry) -> dict:
        return {
            "title": entry.title,
            "occurred_on": entry.occurred_on,
            "session": entry.session_id,
            "code_themes": entry.code_themes,
            **{SECTION_PREFIX + key: text for key, text in entry.sections.items()},
        }

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        names = [SECTION_PREFIX + p.key for p in self.prompts]
        written = any(cleaned.get(name, "").strip() for name in names)
        if names and not written and not any(name in self.errors for name in names):
            # On the first prompt, so the error summary links to where to write.
            self.add_error(names[0], _("Write something for at least one prompt"))
        return cleaned

    @property
    def sections(self) -> dict[str, str]:
        return {p.key: self.cleaned_data.get(SECTION_PREFIX + p.key, "") for p in self.prompts}

    def service_kwargs(self) -> dict:
        return {
            "title": self.cleaned_data["title"],
            "occurred_on": self.cleaned_data["occurred_on"],
            "session_id": self.cleaned_data["session"],
            "code_themes": self.cleaned_data["code_themes"],
            "sections": self.sections,
        }
