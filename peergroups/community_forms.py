"""Forms of the learning community: ask, reply, and a moderator's hiding."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import Form

from .models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, HideReason

NO_DETAILS = _(
    "Do not include patient or colleague details: anything that could identify a person."
)


def _text(label, required, rows):
    """A thread's or reply's text: long, free, and never about an identifiable person."""
    return forms.CharField(
        label=label,
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=NO_DETAILS,
        error_messages={"required": required},
    )


class ThreadForm(Form):
    error_names = {"title": _("a title"), "body": _("your question")}

    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        help_text=_("For example, Starting a conversation after a patient death."),
        error_messages={"required": _("Enter a title")},
    )
    body = _text(_("Your question"), _("Enter your question"), rows=6)


class ReplyForm(Form):
    error_names = {"body": _("your reply")}

    body = _text(_("Your reply"), _("Enter your reply"), rows=5)


class HideForm(Form):
    error_names = {"reason": _("why it is removed")}

    reason = forms.ChoiceField(
        label=_("Why are you removing it?"),
        choices=HideReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select why you are removing it")},
    )
