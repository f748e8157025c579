"""Forms for wellbeing check-ins and improvement ideas."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import Form, ModelForm
from peergroups.models import ContactMode

from .models import ImprovementIdea
from .services.ideas import allowed_statuses

FEELINGS = [
    (1, _("1: Very low")),
    (2, _("2: Low")),
    (3, _("3: Okay")),
    (4, _("4: Good")),
    (5, _("5: Very good")),
]
FEELING_WORDS = {value: label for value, label in FEELINGS}
YES, NO = "yes", "no"


class CheckInForm(Form):
    error_names = {
        "comment": _("your comment"),
        "contact_mode": _("how you would like to be contacted"),
    }

    feeling = forms.TypedChoiceField(
        label=_("How are you feeling about work at the moment?"),
        choices=FEELINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select how you are feeling about work"),
            "invalid_choice": _("Select how you are feeling about work"),
        },
    )
    comment = forms.CharField(
        label=_("Anything you would like to add (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only you can read this. Nobody else sees it, not even a peer supporter."),
    )
    wants_peer_support = forms.ChoiceField(
        label=_("Would you like a peer supporter to contact you?"),
        choices=[(YES, _("Yes")), (NO, _("No"))],
        widget=forms.RadioSelect,
        help_text=_("Peer supporters are trained colleagues from another department."),
        error_messages={
            "required": _("Select yes if you would like a peer supporter to contact you"),
            "invalid_choice": _("Select yes if you would like a peer supporter to contact you"),
        },
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that a peer supporter and the peer support coordinator may see that I "
            "asked for support, and that my supporter may contact me as I say below"
        ),
        required=False,
        help_text=_("Only if you answered yes. Your feeling and your comment stay private."),
    )
    contact_mode = forms.ChoiceField(
        label=_("How would you like to be contacted? (if you answered yes)"),
        choices=ContactMode.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Select how you would like to be contacted")},
    )
    contact_detail = forms.CharField(
        label=_("Contact details (if you answered yes)"),
        max_length=200,
        required=False,
        help_text=_(
            "A phone number, email address or where to find you, and the best times. "
            "Only you and your supporter will see this."
        ),
    )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("wants_peer_support") != YES:
            return data
        if not data.get("consent"):
            self.add_error(
                "consent", _("Confirm that you agree to a peer supporter contacting you")
            )
        if not data.get("contact_mode") and "contact_mode" not in self.errors:
            self.add_error("contact_mode", _("Select how you would like to be contacted"))
        if not data.get("contact_detail") and "contact_detail" not in self.errors:
            self.add_error("contact_detail", _("Enter how your supporter can reach you"))
        return data


class IdeaForm(ModelForm):
    error_names = {"description": _("the description of the idea")}

    class Meta:
        model = ImprovementIdea
        fields = ["title", "description", "team", "from_supervision"]
        labels = {
            "title": _("Title"),
            "description": _("Describe the idea"),
            "team": _("Team or people involved (optional)"),
            "from_supervision": _("This idea came out of supervision"),
        }
        help_texts = {
            "from_supervision": _(
                "We record only that it did, never which session or what was said there."
            ),
        }
        error_messages = {
            "title": {"required": _("Enter a title")},
            "description": {"required": _("Enter a description of the idea")},
        }
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            "description": forms.Textarea(attrs={"rows": 6})
        }


class IdeaEditForm(IdeaForm):
    """Changing an idea: only the fields this person may change (`IdeaRights`).

    A programme admin who is not the author gets the status and the response,
    and the author's words behind a reason (the service refuses a change to
    them without one, whatever is posted).
    """

    WORDS = ("title", "description", "team", "from_supervision")

    edit_reason = forms.ChoiceField(
        label=_("Why are you changing what the author wrote?"),
        choices=ImprovementIdea.EditReason.choices,
        widget=forms.RadioSelect,
        required=False,  # only when the words change: the service decides
        help_text=_(
            "Change someone else's words only for one of these reasons. The idea will show "
            "that you edited it, and its author will be told."
        ),
        error_messages={"invalid_choice": _("Choose one of the reasons listed")},
    )

    class Meta(IdeaForm.Meta):
        fields = ["status", "response", *IdeaForm.Meta.fields]
        labels = {
            **IdeaForm.Meta.labels,
            "status": _("Status"),
            "response": _("Response from the programme team (optional)"),
        }
        help_texts = {
            **IdeaForm.Meta.help_texts,
            "response": _(
                "Shown on the idea with your name. Everyone who can see the idea can read it."
            ),
        }
        error_messages = {
            **IdeaForm.Meta.error_messages,
            "response": {"max_length": _("The response must be 2,000 characters or fewer")},
        }
        widgets = {
            **IdeaForm.Meta.widgets,
            "status": forms.RadioSelect,
            "response": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, rights, **kwargs):
        super().__init__(*args, **kwargs)
        if not rights.respond:
            del self.fields["response"]
        if not rights.words_need_reason:
            del self.fields["edit_reason"]
            self.order_fields([*self.WORDS, "status", "response"])  # their own idea: words first
        current = self.instance.status
        field = cast(forms.ChoiceField, self.fields["status"])
        allowed = allowed_statuses(current)
        field.choices = [
            (value, label) for value, label in ImprovementIdea.Status.choices if value in allowed
        ]
        field.error_messages["invalid_choice"] = _("Select one of the statuses listed")
        field.error_messages["required"] = _("Select a status")

    @property
    def words_behind_a_reason(self) -> bool:
        """Whether the author's words are someone else's to change (shown apart, folded)."""
        return "edit_reason" in self.fields

    def words(self):
        return [self[name] for name in (*self.WORDS, "edit_reason")]

    def own_fields(self):
        return [self[name] for name in self.fields if name not in (*self.WORDS, "edit_reason")]

    @property
    def words_have_errors(self) -> bool:
        return any(self.errors.get(name) for name in (*self.WORDS, "edit_reason"))


class IdeaFilterForm(Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *ImprovementIdea.Status.choices],
        required=False,
    )
