from django.apps import AppConfig


class PeergroupsConfig(AppConfig):
    name = "peergroups"
