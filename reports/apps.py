from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Engagement reports"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .notifications import register_kinds
        from .rollup_signals import connect
        from .services import rollups_fill_if_empty

        register_kinds()
        connect()
        post_migrate.connect(rollups_fill_if_empty, sender=self, dispatch_uid="rollups-fill")
