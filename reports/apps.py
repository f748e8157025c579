from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Engagement reports"

    def ready(self):
        from .notifications import register_kinds
        from .rollup_signals import connect

        register_kinds()
        connect()
