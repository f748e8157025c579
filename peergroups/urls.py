from django.urls import path

from .views import (
    community,
    group_status,
    groups,
    peer_support,
    resources,
    support_changes,
    support_settings,
    themes,
)

app_name = "peergroups"

urlpatterns = [
    # Groups
    path("groups/", groups.group_list, name="groups"),
    path("groups/add/", groups.group_add, name="group_add"),
    path("groups/closed/", group_status.groups_closed, name="groups_closed"),
    path(
        "groups/meetings/to-complete/",
        group_status.meetings_to_complete_view,
        name="meetings_to_complete",
    ),
    path("groups/<int:pk>/", groups.group_detail, name="group"),
    path("groups/<int:pk>/edit/", groups.group_edit, name="group_edit"),
    path("groups/<int:pk>/join/", groups.group_join, name="group_join"),
    path("groups/<int:pk>/leave/", groups.group_leave, name="group_leave"),
    path("groups/<int:pk>/offer/", groups.group_offer, name="group_offer"),
    path("groups/<int:pk>/close/", group_status.group_close_view, name="group_close"),
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
    path(
        "groups/meetings/<int:pk>/teams/retry/",
        groups.session_teams_retry,
        name="session_teams_retry",
    ),
    # Themes for the organisation (seed 004), and facilitators from outside it
    path("groups/meetings/<int:pk>/themes/", themes.meeting_themes, name="meeting_themes"),
    path("groups/themes/", themes.themes_report, name="themes"),
    path("groups/themes/<int:pk>/edit/", themes.theme_edit, name="theme_edit"),
    path("groups/themes/<int:pk>/release/", themes.theme_release, name="theme_release"),
    path("groups/themes/<int:pk>/withdraw/", themes.theme_withdraw, name="theme_withdraw"),
    path(
        "groups/external-facilitators/",
        themes.external_facilitators,
        name="external_facilitators",
    ),
    path(
        "groups/external-facilitators/<int:pk>/end/",
        themes.external_facilitator_end,
        name="external_facilitator_end",
    ),
    # Peer support
    path("peer-support/", peer_support.request_list, name="support_requests"),
    path("peer-support/ask/", peer_support.request_add, name="support_request_add"),
    path("peer-support/<int:pk>/", peer_support.request_detail, name="support_request"),
    path("peer-support/<int:pk>/assign/", peer_support.request_assign, name="support_assign"),
    path("peer-support/<int:pk>/check-in/", peer_support.checkin_add, name="support_checkin"),
    path("peer-support/<int:pk>/close/", peer_support.request_close, name="support_close"),
    path(
        "peer-support/<int:pk>/first-contact/",
        support_changes.first_contact,
        name="support_first_contact",
    ),
    path("peer-support/<int:pk>/step-back/", support_changes.hand_back, name="support_hand_back"),
    path("peer-support/<int:pk>/safety/", support_changes.support_safety, name="support_safety"),
    path("peer-support/<int:pk>/withdraw/", support_changes.withdraw, name="support_withdraw"),
    path("peer-support/<int:pk>/contact/", support_changes.contact_change, name="support_contact"),
    path("peer-support/safety/", support_changes.safety, name="supporter_safety"),
    path("peer-support/settings/", support_settings.support_settings, name="support_settings"),
    path("peer-support/supporter/", peer_support.supporter_profile, name="supporter_profile"),
    # The supporters' learning library
    path("resources/", resources.resource_list, name="resources"),
    path("resources/add/", resources.resource_add, name="resource_add"),
    path("resources/<int:pk>/edit/", resources.resource_edit, name="resource_edit"),
    path("resources/<int:pk>/delete/", resources.resource_delete, name="resource_delete"),
    path("resources/<int:pk>/file/", resources.resource_file, name="resource_file"),
    # The learning community across organisations
    path("communities/<int:pk>/", community.community_detail, name="community"),
    path("communities/<int:pk>/threads/", community.thread_list, name="community_threads"),
    path("communities/<int:pk>/ask/", community.thread_add, name="community_thread_add"),
    path("communities/threads/<int:pk>/", community.thread_detail, name="community_thread"),
    path(
        "communities/threads/<int:pk>/remove/",
        community.thread_hide,
        name="community_thread_hide",
    ),
    path(
        "communities/replies/<int:pk>/remove/",
        community.reply_hide,
        name="community_reply_hide",
    ),
]
