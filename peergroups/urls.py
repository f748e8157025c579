from django.urls import path

from .views import groups, peer_support, resources

app_name = "peergroups"

urlpatterns = [
    # Groups
    path("groups/", groups.group_list, name="groups"),
    path("groups/add/", groups.group_add, name="group_add"),
    path("groups/<int:pk>/", groups.group_detail, name="group"),
    path("groups/<int:pk>/edit/", groups.group_edit, name="group_edit"),
    path("groups/<int:pk>/join/", groups.group_join, name="group_join"),
    path("groups/<int:pk>/leave/", groups.group_leave, name="group_leave"),
    path("groups/<int:pk>/offer/", groups.group_offer, name="group_offer"),
    path(
        "groups/<int:pk>/members/<int:membership_pk>/accept/",
        groups.member_accept,
        name="member_accept",
    ),
    path("groups/<int:pk>/members/add/", groups.member_add, name="member_add"),
    path(
        "groups/<int:pk>/members/<int:membership_pk>/remove/",
        groups.member_remove,
        name="member_remove",
    ),
    path("groups/meetings/<int:pk>/", groups.session_detail, name="session"),
    path("groups/meetings/<int:pk>/invite.ics", groups.session_ics, name="session_ics"),
    path("groups/meetings/<int:pk>/register/", groups.session_register, name="session_register"),
    path("groups/meetings/<int:pk>/record/", groups.session_record, name="session_record"),
    path("groups/meetings/<int:pk>/move/", groups.session_move, name="session_move"),
    path("groups/meetings/<int:pk>/cancel/", groups.session_cancel, name="session_cancel"),
    # Peer support
    path("peer-support/", peer_support.request_list, name="support_requests"),
    path("peer-support/ask/", peer_support.request_add, name="support_request_add"),
    path("peer-support/<int:pk>/", peer_support.request_detail, name="support_request"),
    path("peer-support/<int:pk>/assign/", peer_support.request_assign, name="support_assign"),
    path("peer-support/<int:pk>/check-in/", peer_support.checkin_add, name="support_checkin"),
    path("peer-support/<int:pk>/close/", peer_support.request_close, name="support_close"),
    path("peer-support/supporter/", peer_support.supporter_profile, name="supporter_profile"),
    # The supporters' learning library
    path("resources/", resources.resource_list, name="resources"),
    path("resources/add/", resources.resource_add, name="resource_add"),
    path("resources/<int:pk>/edit/", resources.resource_edit, name="resource_edit"),
    path("resources/<int:pk>/delete/", resources.resource_delete, name="resource_delete"),
    path("resources/<int:pk>/file/", resources.resource_file, name="resource_file"),
]
