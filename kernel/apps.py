from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "kernel"
    verbose_name = "Organisations and people"

    def ready(self) -> None:
        from . import loading, translation

        translation.install()
        loading.install()
