"""kernel.responses.render_with_piece answers the page render() would, byte for byte."""

import pytest
from django.shortcuts import render
from django.test import RequestFactory, override_settings
from django.utils.safestring import SafeString

from kernel.responses import render_with_piece

TEMPLATES = {
    "layout.html": "<html><title>Report \u2013 {{ title }}</title>"
    "{% block main %}{% endblock %}</html>",
    "page.html": '{% extends "layout.html" %}{% block main %}<main>{% block inner %}'
    "<p>{{ title }}</p>{% if body %}{{ body }}{% endif %}<footer>é</footer>"
    "{% endblock %}</main>{% endblock %}",
    "twice.html": "<p>{{ body }}</p><p>{{ body }}</p>",
    "never.html": "<p>{{ title }}</p>",
}


@pytest.fixture(autouse=True)
def templates():
    with override_settings(
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", TEMPLATES)]},
            }
        ]
    ):
        yield


@pytest.mark.parametrize("template", ["page.html", "twice.html", "never.html"])
@pytest.mark.parametrize(
    "body",
    [
        SafeString("<table><tr><td>Ward 7 \u2013 12 &amp; more</td></tr></table>" * 500),
        SafeString("<!--not the marker--> ünïcode ✓"),
        None,
        SafeString(""),
    ],
)
def test_the_page_is_what_render_writes(template, body):
    request = RequestFactory().get("/")
    context = {"title": "Fish & <chips>", "body": body}
    ours = render_with_piece(request, template, context, "body")
    theirs = render(request, template, context)
    assert ours.status_code == theirs.status_code == 200
    assert ours["Content-Type"] == theirs["Content-Type"]
    assert ours.content == theirs.content
    if body and template == "page.html":
        assert str(body).encode() in ours.content
