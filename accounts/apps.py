from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from allauth.socialaccount import views as social_views
        from django.contrib.auth.decorators import login_not_required
        from django.contrib.auth.signals import user_logged_in

        from .sessions import session_mark_signed_in

        # Django's signal, not allauth's: it fires for every way of signing in.
        user_logged_in.connect(
            lambda request, **kwargs: session_mark_signed_in(request),
            dispatch_uid="accounts.session_mark_signed_in",
            weak=False,
        )
        from .signin_audit import connect

        connect()
        # Where a failed Microsoft sign-in lands, signed out: public, like the sign-in page.
        login_not_required(social_views.login_error)
