"""The header's menu is rendered once per set of items and kept
(kernel.components.navigation.menu): what each person sees stays exactly what a fresh
rendering shows, for their roles and the page they are on."""

import re

import pytest
from django.urls import reverse

from kernel.components import navigation

from .html import parse

pytestmark = pytest.mark.django_db


def _menu(client, url):
    page = client.get(url).content.decode()
    nav = parse(page).find("nav", cls="nhsuk-header__navigation")
    items = [
        (link.text.strip(), link.attrs.get("aria-current"))
        for link in nav.find_all("a", cls="nhsuk-header__navigation-link")
    ]
    found = re.search(r'<nav class="nhsuk-header__navigation".*?</nav>', page, re.S)
    assert found is not None
    markup = found.group(0)
    return items, markup


def test_a_kept_menu_is_the_menu_rendered_afresh(client, supervisee):
    client.force_login(supervisee)
    navigation._MENUS.clear()
    fresh = _menu(client, reverse("supervision:sessions"))
    assert navigation._MENUS  # kept
    assert _menu(client, reverse("supervision:sessions")) == fresh


def test_each_page_marks_its_own_section_as_current(client, supervisee):
    client.force_login(supervisee)
    home, _ = _menu(client, reverse("supervision:home"))
    sessions, _ = _menu(client, reverse("supervision:sessions"))
    assert ("Home", "page") in home
    assert ("Sessions", None) in home
    assert ("Home", None) in sessions
    assert ("Sessions", "page") in sessions
    assert _menu(client, reverse("supervision:home"))[0] == home


def test_the_menu_follows_each_persons_roles(client, supervisee, programme_admin):
    client.force_login(programme_admin)
    admin_items, _ = _menu(client, reverse("supervision:home"))
    client.force_login(supervisee)
    own_items, _ = _menu(client, reverse("supervision:home"))
    assert ("People", None) in admin_items
    assert "People" not in [text for text, _current in own_items]


def test_the_kept_menus_are_bounded(client, supervisee, monkeypatch):
    monkeypatch.setattr(navigation, "_MENUS_LIMIT", 2)
    navigation._MENUS.clear()
    client.force_login(supervisee)
    for name in ("supervision:home", "supervision:sessions", "feedback:journal"):
        client.get(reverse(name))
    assert len(navigation._MENUS) <= 2
