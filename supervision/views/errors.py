"""Error pages in the site's layout, so a refusal never looks like a crash."""

from django.shortcuts import render


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # Rendered without a request context: the failure may lie in it.
    return render(None, "errors/500.html", status=500)
