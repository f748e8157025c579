from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _

from audit.services import audit_log

from .tokens import invitation_token_generator


def _invited_user(uidb64: str, token: str):
    """The user an invitation link belongs to, or None when the link is not valid."""
    User = get_user_model()
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
        user = User.objects.get(pk=pk)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if not user.is_active or not invitation_token_generator.check_token(user, token):
        return None
    return user


def invitation_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Let an invited person choose a password, then sign them in."""
    user = _invited_user(uidb64, token)
    if user is None:
        return render(request, "accounts/invitation_invalid.html")

    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            # The link came to this address, so the address is verified.
            EmailAddress.objects.update_or_create(
                user=user,
                email__iexact=user.email,
                defaults={"email": user.email, "verified": True, "primary": True},
            )
            audit_log(
                actor=user,
                action="invitation.accepted",
                target=user,
                summary=f"{user.email} accepted their invitation",
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _(
                "Your password is set and you are signed in. You can add two-factor "
                "authentication from your account page."
            ),
        )
        return redirect("supervision:home")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invited": user})
