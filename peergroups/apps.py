from django.apps import AppConfig


class PeergroupsConfig(AppConfig):
    name = "peergroups"
    verbose_name = "Groups and peer support"

    def ready(self):
        from supervision.allowances import register_usage
        from supervision.standards import register_group_presence

        from .allowance_usage import group_meetings_used
        from .notifications import register_kinds
        from .standard_presence import meetings_present
        from .summaries import register_home_sections

        register_kinds()
        register_home_sections()
        register_usage(group_meetings_used)
        register_group_presence(meetings_present)
