"""The organisation's default minimum frequency of supervision, per profession."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kernel.forms import posted
from kernel.models import Role
from kernel.permissions import admin_home_organisation, role_required

from ..permissions import profession_standards_managed_by
from ..services.standards import profession_standard_set
from ..standard_forms import ProfessionStandardForm, standard_initial


@role_required(Role.PROGRAMME_ADMIN)
@require_http_methods(["GET", "POST"])
def profession_standards(request: HttpRequest) -> HttpResponse:
    """Set a profession's default, used where a programme sets no minimum of its own."""
    organisation = admin_home_organisation(request.user)
    form = ProfessionStandardForm(posted(request), initial=standard_initial(None))
    if request.method == "POST" and form.is_valid():
        profession_standard_set(actor=request.user, organisation=organisation, **form.cleaned_data)
        messages.success(request, _("The minimum frequency has been saved."))
        return redirect("supervision:manage_standards")
    return render(
        request,
        "supervision/manage/standards.html",
        {
            "form": form,
            "organisation": organisation,
            "standards": profession_standards_managed_by(request.user, organisation),
        },
    )
