from django.urls import path

from .views import departments, home, people

app_name = "supervision"

urlpatterns = [
    path("", home.home, name="home"),
    path("people/", people.people_list, name="people"),
    path("people/add/", people.person_add, name="person_add"),
    path("people/<int:pk>/", people.person_detail, name="person"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/roles/", people.person_roles, name="person_roles"),
    path("people/<int:pk>/deactivate/", people.person_deactivate, name="person_deactivate"),
    path("people/<int:pk>/reactivate/", people.person_reactivate, name="person_reactivate"),
    path("people/<int:pk>/invite/", people.person_invite, name="person_invite"),
    path("departments/", departments.department_list, name="departments"),
    path("departments/add/", departments.department_add, name="department_add"),
    path("departments/<int:pk>/edit/", departments.department_edit, name="department_edit"),
]
