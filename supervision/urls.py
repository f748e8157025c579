from django.urls import path

from .views import (
    agreements,
    departments,
    home,
    manage,
    manage_standards,
    people,
    sessions,
    staff_import,
    supervisor_setup,
    supervisors,
)

app_name = "supervision"

urlpatterns = [
    path("", home.home, name="home"),
    # Programme admins: people and departments
    path("people/", people.people_list, name="people"),
    path("people/add/", people.person_add, name="person_add"),
    path("people/<int:pk>/", people.person_detail, name="person"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/roles/", people.person_roles, name="person_roles"),
    path("people/<int:pk>/deactivate/", people.person_deactivate, name="person_deactivate"),
    path("people/<int:pk>/reactivate/", people.person_reactivate, name="person_reactivate"),
    path("people/<int:pk>/invite/", people.person_invite, name="person_invite"),
    path("people/<int:pk>/line-manager/", people.person_line_manager, name="person_line_manager"),
    # Programme admins: staff from ESR
    path("people/import/", staff_import.staff_import, name="staff_import"),
    path("people/import/columns/", staff_import.staff_import_columns, name="staff_import_columns"),
    path("people/import/<int:pk>/", staff_import.staff_import_detail, name="staff_import_detail"),
    path(
        "people/import/<int:pk>/download/",
        staff_import.staff_import_download,
        name="staff_import_download",
    ),
    path(
        "people/import/<int:pk>/apply/", staff_import.staff_import_apply, name="staff_import_apply"
    ),
    path("departments/", departments.department_list, name="departments"),
    path("departments/add/", departments.department_add, name="department_add"),
    path("departments/<int:pk>/edit/", departments.department_edit, name="department_edit"),
    # Programme admins: programmes, allowances and themes
    path("manage/programmes/", manage.programme_list, name="manage_programmes"),
    path("manage/programmes/add/", manage.programme_add, name="manage_programme_add"),
    path("manage/programmes/<int:pk>/edit/", manage.programme_edit, name="manage_programme_edit"),
    path(
        "manage/programmes/<int:pk>/extra/",
        manage.programme_extra_session,
        name="manage_programme_extra",
    ),
    path(
        "manage/extras/<int:pk>/revoke/",
        manage.extra_session_revoke,
        name="manage_extra_revoke",
    ),
    path("manage/themes/", manage.theme_list, name="manage_themes"),
    path("manage/standards/", manage_standards.profession_standards, name="manage_standards"),
    path("manage/themes/<int:pk>/toggle/", manage.theme_toggle, name="manage_theme_toggle"),
    # Staff: programmes, supervisors, agreements, booking
    path("programmes/", supervisors.programme_list, name="programmes"),
    path("supervisors/", supervisors.supervisor_list, name="supervisors"),
    path("supervisors/<int:pk>/", supervisors.supervisor_detail, name="supervisor"),
    path(
        "supervisors/<int:pk>/request/<int:programme_pk>/",
        supervisors.supervisor_request,
        name="supervisor_request",
    ),
    path(
        "supervisors/<int:pk>/book/<int:programme_pk>/",
        supervisors.first_session_book,
        name="first_session_book",
    ),
    path("agreements/", agreements.agreement_list, name="agreements"),
    path("agreements/<int:pk>/", agreements.agreement_detail, name="agreement"),
    path("agreements/<int:pk>/edit/", agreements.agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/accept/", agreements.agreement_accept, name="agreement_accept"),
    path("agreements/<int:pk>/end/", agreements.agreement_end, name="agreement_end"),
    path("agreements/<int:pk>/book/", agreements.agreement_book, name="agreement_book"),
    # Sessions
    path("sessions/", sessions.session_list, name="sessions"),
    path("sessions/to-log/", sessions.session_unlogged, name="sessions_unlogged"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session"),
    path("sessions/<int:pk>/invite.ics", sessions.session_ics, name="session_ics"),
    path("sessions/<int:pk>/reschedule/", sessions.session_reschedule, name="session_reschedule"),
    path("sessions/<int:pk>/cancel/", sessions.session_cancel, name="session_cancel"),
    path(
        "sessions/<int:pk>/teams/retry/",
        sessions.session_teams_retry,
        name="session_teams_retry",
    ),
    path("sessions/<int:pk>/log/", sessions.session_log, name="session_log"),
    path("sessions/<int:pk>/confirm/", sessions.session_confirm, name="session_confirm"),
    # Supervisors: their profile, training and availability
    path("supervising/profile/", supervisor_setup.profile_edit, name="supervisor_profile"),
    path(
        "supervising/training/add/", supervisor_setup.training_add, name="supervisor_training_add"
    ),
    path(
        "supervising/training/<int:pk>/delete/",
        supervisor_setup.training_delete,
        name="supervisor_training_delete",
    ),
    path("supervising/availability/", supervisor_setup.availability, name="availability"),
    path(
        "supervising/availability/slots/add/",
        supervisor_setup.slot_add,
        name="availability_slot_add",
    ),
    path(
        "supervising/availability/weekly/add/",
        supervisor_setup.weekly_add,
        name="availability_weekly_add",
    ),
    path(
        "supervising/availability/away/add/",
        supervisor_setup.exception_add,
        name="availability_exception_add",
    ),
    path(
        "supervising/availability/<str:kind>/<int:pk>/delete/",
        supervisor_setup.availability_delete,
        name="availability_delete",
    ),
]
