from django.urls import path

from .views import ideas, journal, measures, session_feedback, wellbeing

app_name = "feedback"

urlpatterns = [
    # Session feedback: private to its author; aggregates for supervisors and facilitators
    path(
        "feedback/sessions/<int:session_pk>/",
        session_feedback.give_for_session,
        name="give_session",
    ),
    path(
        "feedback/meetings/<int:meeting_pk>/",
        session_feedback.give_for_meeting,
        name="give_meeting",
    ),
    path("feedback/summary/", session_feedback.summary, name="summary"),
    path(
        "feedback/questions/<int:programme_pk>/",
        session_feedback.question_list,
        name="questions",
    ),
    path(
        "feedback/questions/item/<int:pk>/edit/",
        session_feedback.question_edit,
        name="question_edit",
    ),
    path(
        "feedback/questions/item/<int:pk>/move/",
        session_feedback.question_move,
        name="question_move",
    ),
    path(
        "feedback/questions/item/<int:pk>/retire/",
        session_feedback.question_retire,
        name="question_retire",
    ),
    # The reflective journal: its author's alone
    path("journal/", journal.entry_list, name="journal"),
    path("journal/new/<str:template>/", journal.entry_add, name="journal_add"),
    path("journal/<int:pk>/", journal.entry_detail, name="journal_entry"),
    path("journal/<int:pk>/edit/", journal.entry_edit, name="journal_edit"),
    path("journal/<int:pk>/delete/", journal.entry_delete, name="journal_delete"),
    path("journal/export/", journal.export, name="journal_export"),
    path("journal/export.pdf", journal.export_pdf, name="journal_export_pdf"),
    # Wellbeing check-ins
    path("wellbeing/", wellbeing.my_wellbeing, name="wellbeing"),
    path("wellbeing/check-in/", wellbeing.checkin_add, name="wellbeing_checkin"),
    # A programme's wellbeing measure: one's own answers, its set-up, its change for leads
    path(
        "wellbeing/measures/<int:programme_pk>/",
        measures.answer,
        name="wellbeing_measure",
    ),
    path("wellbeing/impact/", measures.impact, name="wellbeing_impact"),
    path("feedback/measures/<int:programme_pk>/", measures.setup, name="measure_setup"),
    # Improvement ideas
    path("ideas/", ideas.idea_list, name="ideas"),
    path("ideas/new/", ideas.idea_add, name="idea_add"),
    path("ideas/<int:pk>/", ideas.idea_detail, name="idea"),
    path("ideas/<int:pk>/edit/", ideas.idea_edit, name="idea_edit"),
]
