from django.apps import AppConfig


class PeergroupsConfig(AppConfig):
    name = "peergroups"
    verbose_name = "Groups and peer support"

    def ready(self):
        from .notifications import register_kinds

        register_kinds()
