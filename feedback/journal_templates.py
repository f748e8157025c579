"""The guided prompts of each journal template, and how they map onto the NMC form.

A template's prompts are the keys an entry's `sections` may hold. The export
maps them onto the questions of the NMC revalidation reflective account.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import CodeTheme, JournalTemplate

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Prompt:
    key: str
    label: "StrOrPromise"
    hint: "StrOrPromise"


PROMPTS: dict[str, tuple[Prompt, ...]] = {
    JournalTemplate.GIBBS: (
        Prompt("description", _("Description"), _("What happened? Keep to the facts.")),
        Prompt("feelings", _("Feelings"), _("What were you thinking and feeling at the time?")),
        Prompt("evaluation", _("Evaluation"), _("What was good and what was bad about it?")),
        Prompt("analysis", _("Analysis"), _("What sense can you make of the situation?")),
        Prompt("conclusion", _("Conclusion"), _("What else could you have done?")),
        Prompt(
            "action_plan",
            _("Action plan"),
            _("If it happened again, what would you do? What will you do differently?"),
        ),
    ),
    JournalTemplate.ROLFE: (
        Prompt("what", _("What?"), _("What happened? What was your part in it?")),
        Prompt("so_what", _("So what?"), _("What does it mean? What did you learn?")),
        Prompt("now_what", _("Now what?"), _("What will you do now? What needs to change?")),
    ),
    JournalTemplate.FREE: (
        Prompt("reflection", _("Reflection"), _("Write your reflection in your own words.")),
    ),
}

# The NMC revalidation reflective account's questions, in the form's order.
NMC_NATURE = "nature"
NMC_LEARNED = "learned"
NMC_CHANGE = "change"
NMC_CODE = "code"

NMC_QUESTIONS: tuple[tuple[str, str | Promise], ...] = (
    (
        NMC_NATURE,
        _(
            "What was the nature of the CPD activity and/or practice-related feedback "
            "and/or event or experience in your practice?"
        ),
    ),
    (
        NMC_LEARNED,
        _(
            "What did you learn from the CPD activity and/or feedback and/or event or "
            "experience in your practice?"
        ),
    ),
    (NMC_CHANGE, _("How did you change or improve your practice as a result?")),
    (
        NMC_CODE,
        _(
            "How is this relevant to the Code? Select one or more themes: Prioritise people \u2013 "
            "Practise effectively \u2013 Preserve safety \u2013 Promote professionalism and trust"
        ),
    ),
)

# Which prompts answer which NMC question. The Code question is answered by the
# entry's themes of the Code (JournalEntry.code_themes), not by a prompt.
NMC_MAPPING: dict[str, dict[str, tuple[str, ...]]] = {
    JournalTemplate.GIBBS: {
        NMC_NATURE: ("description", "feelings"),
        NMC_LEARNED: ("evaluation", "analysis", "conclusion"),
        NMC_CHANGE: ("action_plan",),
    },
    JournalTemplate.ROLFE: {
        NMC_NATURE: ("what",),
        NMC_LEARNED: ("so_what",),
        NMC_CHANGE: ("now_what",),
    },
    JournalTemplate.FREE: {NMC_NATURE: ("reflection",)},
}


def prompts_for(template: str) -> tuple[Prompt, ...]:
    """The template's prompts; KeyError for a template that does not exist."""
    return PROMPTS[template]


def is_template(template: str) -> bool:
    return template in PROMPTS


def labelled_sections(entry) -> list[tuple[Prompt, str]]:
    """The entry's prompts in order, each with what was written (blank if nothing)."""
    return [(prompt, entry.sections.get(prompt.key, "")) for prompt in PROMPTS[entry.template]]


def code_theme_marks(entry) -> list[tuple[str, bool]]:
    """Every theme of the Code, in the Code's order, with whether the entry chose it."""
    chosen = set(entry.code_themes or ())
    return [(str(theme.label), theme.value in chosen) for theme in CodeTheme]


def chosen_code_themes(entry) -> list[str]:
    """The names of the themes of the Code the entry chose, in the Code's order."""
    return [label for label, chosen in code_theme_marks(entry) if chosen]


def nmc_account(entry) -> list[dict]:
    """The entry as the NMC form's questions, each with the answers mapped onto it."""
    mapping = NMC_MAPPING[entry.template]
    labels = {prompt.key: prompt.label for prompt in PROMPTS[entry.template]}
    account = []
    for key, question in NMC_QUESTIONS:
        parts = [
            {"label": labels[prompt_key], "text": entry.sections[prompt_key]}
            for prompt_key in mapping.get(key, ())
            if entry.sections.get(prompt_key, "").strip()
        ]
        # The Code question is answered by the themes: each, ticked or not.
        themes = code_theme_marks(entry) if key == NMC_CODE else []
        account.append({"key": key, "question": question, "parts": parts, "themes": themes})
    return account
