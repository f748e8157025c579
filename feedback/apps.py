from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback, journal and wellbeing"

    def ready(self):
        from .home import register_home_sections
        from .notifications import register_kinds
        from .session_sections import register_session_sections

        register_kinds()
        register_home_sections()
        register_session_sections()
