"""A page with a large piece of HTML made already (a cached report), answered
without copying the piece through every level of its template.

Django's template engine joins each block's output and marks it safe, two
copies a level; a report page's 130 KB of tables, inside the page's blocks, the
layout's and the NHS.UK template's, was copied about two dozen times a request
(callgrind: 3 of its 32 million instructions were the copying alone). Here the
template writes a marker where the piece goes, and the response's bytes join
the two halves and the piece once.
"""

import secrets

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString


def render_with_piece(
    request: HttpRequest, template_name: str, context: dict, name: str
) -> HttpResponse:
    """render(request, template_name, context), where context[name] is HTML made
    already and written once by the template (`{{ name }}`): the same page."""
    piece = context.get(name)
    if not piece:
        return render(request, template_name, context)
    marker = f"<!--{secrets.token_hex(16)}-->"
    html = render_to_string(template_name, {**context, name: SafeString(marker)}, request)
    before, found, after = html.partition(marker)
    if not found or marker in after:  # not written exactly once: render it whole
        return render(request, template_name, context)
    return HttpResponse([before, piece, after])
