from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Engagement reports"

    def ready(self):
        from .notifications import register_kinds

        register_kinds()
