from django.apps import AppConfig


class NonprodConfig(AppConfig):
    """The demo data and the history generators: never installed in production."""

    name = "nonprod"
    verbose_name = "Demo and generated data (not for production)"
