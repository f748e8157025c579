"""The supporters' learning library: programme admins add, change and remove items."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_log

from ..models import Resource

FIELDS = ("title", "description", "link", "audience", "category")


def _delete_file_after_commit(name: str) -> None:
    """Remove a stored file once the row that named it is gone for good."""
    if not name:
        return
    storage = Resource._meta.get_field("file").storage
    transaction.on_commit(lambda: storage.delete(name))


def _share(resource: Resource, communities) -> None:
    """Share the resource with these communities (None: leave as it is). Only communities
    its organisation belongs to: the view offers no others, and this makes sure."""
    if communities is None:
        return
    communities = list(communities)
    if any(
        not community.organisations.filter(pk=resource.organisation_id).exists()
        for community in communities
    ):
        raise ValidationError(
            {"communities": _("Select only learning communities your organisation belongs to")}
        )
    resource.communities.set(communities)


def _community_ids(resource: Resource) -> list[int]:
    return sorted(resource.communities.values_list("pk", flat=True))


@transaction.atomic
def resource_create(*, actor, organisation, file=None, communities=None, **fields) -> Resource:
    resource = Resource(organisation=organisation, created_by=actor, **fields)
    if file:
        resource.file = file
    resource.full_clean()
    resource.save()
    _share(resource, communities)
    audit_log(
        actor=actor,
        action="resource.added",
        target=resource,
        organisation_id=organisation.pk,
        summary=f"Resource {resource.pk} added",
        details={"audience": resource.audience, "communities": _community_ids(resource)},
    )
    return resource


@transaction.atomic
def resource_update(
    *,
    actor,
    resource: Resource,
    file=None,
    remove_file: bool = False,
    communities=None,
    **fields,
) -> Resource:
    """Change a resource; a new file replaces the old one, which is then deleted."""
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    old_file = resource.file.name
    for name in FIELDS:
        if name in fields:
            setattr(resource, name, fields[name])
    if file:
        resource.file = file
    elif remove_file:
        resource.file = ""
    if not resource.link and not resource.file:
        raise ValidationError({"link": _("Enter a link or upload a file")})
    resource.full_clean()
    resource.save()
    _share(resource, communities)
    if old_file and old_file != resource.file.name:
        _delete_file_after_commit(old_file)
    audit_log(
        actor=actor,
        action="resource.changed",
        target=resource,
        organisation_id=resource.organisation_id,
        summary=f"Resource {resource.pk} changed",
        details={"audience": resource.audience, "communities": _community_ids(resource)},
    )
    return resource


@transaction.atomic
def resource_delete(*, actor, resource: Resource) -> None:
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    audit_log(
        actor=actor,
        action="resource.deleted",
        target=resource,
        organisation_id=resource.organisation_id,
        summary=f"Resource {resource.pk} deleted",
    )
    _delete_file_after_commit(resource.file.name)
    resource.delete()
