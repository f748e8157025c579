"""The request a view behind sign-in receives, for type checking."""

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request past login_required_view or role_required: its user is signed in.

    An annotation only (Django never makes one): django-stubs types request.user
    as User | AnonymousUser, and a query on the signed-in user's rows needs a User.
    """

    user: User
