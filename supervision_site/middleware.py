from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreForSignedInMiddleware:
    """Forbid any cache from keeping a page rendered for a signed-in person.

    Every such page can carry personal or confidential data; a shared
    computer's back button or a proxy must not show it to the next person.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response
