"""A table cell marks only a long unbroken run of text as breakable anywhere (issue 15):
ordinary words stay whole when a phone squeezes the columns, and the run cannot widen
the page (tests/browser/test_long_text.py sees both in Chromium)."""

from django.template import engines
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from kernel.components.tables import LONGEST_WHOLE_WORD, breakable


def render(source, **context):
    return engines["django"].from_string("{% load nhsuk %}" + source).render(context)


def test_ordinary_words_are_left_alone():
    assert breakable("Helen Marsh, Ward 7 (Acute medicine)") == (
        "Helen Marsh, Ward 7 (Acute medicine)"
    )
    word = "x" * LONGEST_WHOLE_WORD
    assert breakable(word) == word


def test_a_long_run_is_marked_and_still_escaped():
    run = "<Nobody&typed>" * 5
    html = breakable(f"Helen {run}")
    assert html == (
        'Helen <span class="app-unbroken">' + "&lt;Nobody&amp;typed&gt;" * 5 + "</span>"
    )


def test_tags_and_their_attributes_are_left_as_they_are():
    link = "https://teams.microsoft.com/l/meetup-join/" + "a" * 60
    html = render(
        '{% table %}{% table_row %}{% td %}<a href="{{ link }}">{{ name }}</a>'
        "{% endtd %}{% endtable_row %}{% endtable %}",
        link=link,
        name="N" * 40,
    )
    assert f'<a href="{link}"><span class="app-unbroken">{"N" * 40}</span></a>' in html


def test_a_cells_text_option_is_marked_too():
    html = render(
        "{% table %}{% table_row %}{% td text=t %}{% endtable_row %}{% endtable %}", t="y" * 40
    )
    assert f'<span class="app-unbroken">{"y" * 40}</span>' in html


def _marked_as_first_written(escaped: str) -> str:
    """breakable's marking as it was first written: a search from every character
    (kernel.components.tables now searches from a run's first only: faster, and the
    same runs)."""
    import re

    long_run = re.compile(rf"[^\s<>]{{{LONGEST_WHOLE_WORD + 1},}}")
    parts = re.split(r"(<[^>]*>)", escaped)
    parts[::2] = [
        long_run.sub(r'<span class="app-unbroken">\g<0></span>', text) for text in parts[::2]
    ]
    return "".join(parts)


@given(
    st.lists(
        st.one_of(
            st.text(alphabet="ab&<> \n\t", max_size=5),
            st.integers(0, 70).map(lambda n: "w" * n),
            st.sampled_from(
                ['<a href="/people/1234567890123456789012345678901/">', "</a>", "<br>"]
            ),
        ),
        max_size=12,
    )
)
def test_the_runs_marked_are_those_a_search_from_every_character_finds(pieces):
    from django.utils.safestring import SafeString

    markup = "".join(pieces)  # as a presenter's markup, already safe
    assert breakable(SafeString(markup)) == _marked_as_first_written(markup)
    assert breakable(markup) == _marked_as_first_written(str(escape(markup)))
