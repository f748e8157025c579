from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "Supervision"

    def ready(self):
        from . import lookups, notifications_standards
        from .notifications import register_kinds

        register_kinds()
        notifications_standards.register_kinds()
        lookups.register()
