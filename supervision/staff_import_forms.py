"""Forms of the ESR import and of choosing a line manager."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kernel.forms import Form

from .staff_import.columns import COLUMNS
from .staff_import.reading import MAX_BYTES


class StaffImportUploadForm(Form):
    error_names = {"file": _("the ESR file")}

    file = forms.FileField(
        label=_("ESR file"),
        help_text=_(
            "A CSV file exported from ESR, one row per person, up to 20 MB. "
            "Save an Excel workbook as “CSV UTF-8 (comma delimited)” first."
        ),
        error_messages={
            "required": _("Select the ESR file"),
            "empty": _("The selected file is empty"),
        },
    )
    whole_organisation = forms.BooleanField(
        label=_("This file is the whole organisation"),
        required=False,
        help_text=_(
            "Tick this only for a full export. Everyone active here whom the file does "
            "not mention will be shown as a leaver, to be deactivated."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The selected file must be smaller than 20 MB"))
        return upload


class StaffImportApplyForm(Form):
    invite_new = forms.BooleanField(
        label=_("Email an invitation to each new person"),
        required=False,
        help_text=_(
            "Leave this unticked to add them now and invite them later, from their page "
            "or by importing again."
        ),
    )


class StaffImportColumnsForm(Form):
    """One box per detail: the heading of the column that holds it in the organisation's file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for column in COLUMNS:
            self.fields[column.key] = forms.CharField(
                label=str(column.label),
                required=False,
                max_length=100,
                help_text=_("Leave empty for the usual heading, “%(heading)s”")
                % {"heading": column.headings[0]},
            )


class LineManagerSearchForm(Form):
    q = forms.CharField(
        label=_("Name, staff number or department"),
        required=False,
        max_length=100,
    )
