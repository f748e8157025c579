"""Learning communities are set up by site staff: which organisations, who moderates."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kernel.forms import ModelForm
from kernel.models import Role, RoleGrant

from .models import LearningCommunity


class LearningCommunityAdminForm(ModelForm):
    class Meta:
        model = LearningCommunity
        fields = ("name", "organisations", "coordinators")

    def clean(self):
        cleaned = super().clean() or {}
        organisations = cleaned.get("organisations")
        coordinators = cleaned.get("coordinators")
        if organisations is None or coordinators is None:
            return cleaned
        coordinating = set(
            RoleGrant.objects.filter(
                organisation__in=organisations, role=Role.PROGRAMME_ADMIN
            ).values_list("user_id", flat=True)
        )
        outside = [user for user in coordinators if user.pk not in coordinating]
        if outside:
            self.add_error(
                "coordinators",
                _("Each coordinator must coordinate peer support in a member organisation: %s")
                % ", ".join(user.email for user in outside),
            )
        return cleaned


@admin.register(LearningCommunity)
class LearningCommunityAdmin(admin.ModelAdmin):
    form = LearningCommunityAdminForm
    list_display = ("name", "created_at")
    filter_horizontal = ("organisations", "coordinators")
    search_fields = ("name",)
