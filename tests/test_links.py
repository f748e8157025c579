"""{% id_url %} writes a row's link from the URL pattern's text, once per URL name
and script prefix and URL configuration: the same path reverse() and {% url %}
write."""

import pytest
from django.http import HttpResponse
from django.template import engines
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    clear_script_prefix,
    include,
    path,
    reverse,
    set_script_prefix,
)

from kernel.links import id_url

NAMES = ["supervision:session", "supervision:person", "peergroups:session", "peergroups:group"]


@pytest.mark.parametrize("name", NAMES)
def test_a_link_reads_as_reverse_writes_it(name):
    for pk in (0, 1, 7, 12345, 7391846205, 10**12):
        assert id_url(name, pk) == reverse(name, args=[pk])


def test_a_link_follows_the_script_prefix_in_force():
    plain = id_url("supervision:session", 5)
    set_script_prefix("/trust-a/")
    try:
        assert id_url("supervision:session", 5) == "/trust-a" + plain
        assert id_url("supervision:session", 5) == reverse("supervision:session", args=[5])
    finally:
        clear_script_prefix()
    assert id_url("supervision:session", 5) == plain


# Another URL configuration with a name the site's own has too.
_elsewhere = [path("elsewhere/<int:pk>/", lambda request, pk: HttpResponse(), name="session")]
urlpatterns = [path("", include((_elsewhere, "supervision")))]


def test_a_link_follows_the_url_configuration_in_force():
    site = reverse("supervision:session", args=[3])
    assert id_url("supervision:session", 3) == site
    with override_settings(ROOT_URLCONF="tests.test_links"):
        assert id_url("supervision:session", 3) == "/elsewhere/3/"
    assert id_url("supervision:session", 3) == site


def test_what_is_not_a_whole_number_is_left_to_reverse():
    assert id_url("supervision:session", "12") == reverse("supervision:session", args=["12"])
    with pytest.raises(NoReverseMatch):
        id_url("supervision:session", -1)
    with pytest.raises(NoReverseMatch):
        id_url("supervision:session", "twelve")


def test_the_tag_writes_what_the_url_tag_writes():
    template = engines["django"].from_string(
        "{% load links %}{% for pk in ids %}"
        "{% id_url 'supervision:person' pk %}={% url 'supervision:person' pk %};{% endfor %}"
    )
    pairs = template.render({"ids": [1, 22, 333]}).rstrip(";").split(";")
    assert len(pairs) == 3
    assert all(ours == djangos for ours, djangos in (pair.split("=") for pair in pairs))


@pytest.mark.parametrize("name", ["peergroups:member_remove", "peergroups:member_accept"])
def test_a_link_of_two_ids_reads_as_reverse_writes_it(name):
    for first, second in ((1, 2), (7, 7), (12345, 0), (8402957316, 7391846205), (10**12, 3)):
        assert id_url(name, first, second) == reverse(name, args=[first, second])
    assert id_url(name, 1, "2") == reverse(name, args=[1, "2"])


def test_a_probe_that_is_not_in_the_path_once_leaves_it_to_reverse():
    from kernel.links import _pieces

    assert _pieces("/groups/1/members/2/", ("1", "2")) == ("/groups/", "/members/", "/")
    assert _pieces("/groups/11/", ("1",)) is None
    assert _pieces("/groups/", ("1",)) is None
