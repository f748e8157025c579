from django.urls import path

from .views import scim, setup

app_name = "provisioning"

urlpatterns = [
    path("people/scim/", setup.scim_settings, name="settings"),
    path("people/scim/token/", setup.scim_token_create, name="token_create"),
    path("people/scim/token/revoke/", setup.scim_token_revoke, name="token_revoke"),
    # SCIM 2.0 (RFC 7644): the tenant URL Entra ID is given is /scim/v2/
    path(
        "scim/v2/ServiceProviderConfig",
        scim.service_provider_config,
        name="scim_service_provider_config",
    ),
    path("scim/v2/ResourceTypes", scim.resource_types, name="scim_resource_types"),
    path("scim/v2/Schemas", scim.schemas, name="scim_schemas"),
    path("scim/v2/Users", scim.users, name="scim_users"),
    path("scim/v2/Users/<str:scim_id>", scim.user, name="scim_user"),
    path("scim/v2/Groups", scim.groups, name="scim_groups"),
    path("scim/v2/Groups/<str:scim_id>", scim.group, name="scim_group"),
]
