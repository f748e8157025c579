"""`{% load links %}`: `{% id_url "supervision:session" session.pk %}` writes what
`{% url %}` would, faster for a link in every row of a table (kernel/links.py)."""

from django import template

from kernel.links import id_url as _id_url

register = template.Library()


@register.simple_tag
def id_url(viewname: str, pk) -> str:
    return _id_url(viewname, pk)
