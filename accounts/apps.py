from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .sessions import session_mark_signed_in

        # Django's signal, not allauth's: it fires for every way of signing in.
        user_logged_in.connect(
            lambda request, **kwargs: session_mark_signed_in(request),
            dispatch_uid="accounts.session_mark_signed_in",
            weak=False,
        )
