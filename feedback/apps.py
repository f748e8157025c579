from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback, journal and wellbeing"

    def ready(self):
        from .notifications import register_kinds

        register_kinds()
