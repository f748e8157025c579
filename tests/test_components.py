"""The component layer: `{% load nhsuk %}` tags render nhsuk-frontend's markup.

Each test renders a tag and checks the markup the design system's CSS and
JavaScript depend on, so that a broken component fails here before a page
shows it. The date input (kernel.widgets.DateInput) is tested as a widget, as
a crispy field and through a real page.
"""

import datetime
import re

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import Context, TemplateSyntaxError, engines
from django.test import RequestFactory
from django.utils.safestring import mark_safe

from kernel.widgets import DateInput

from .html import describedby, parse


def render(source, **context):
    return engines["django"].from_string("{% load nhsuk %}" + source).render(context)


def doc(source, **context):
    return parse(render(source, **context))


# --- Options, escaping and blocks -----------------------------------------------------


def test_options_are_escaped_and_blocks_are_not_escaped_twice():
    html = render(
        "{% button text=label %} {% inset_text %}<p>{{ note }}</p>{% endinset_text %}",
        label="Save <now>",
        note="Fish & chips",
    )
    assert ">Save &lt;now&gt;</button>" in html
    assert "<p>Fish &amp; chips</p>" in html


def test_html_option_is_kept_only_when_already_safe():
    unsafe = render("{% tag html=value %}", value="<em>new</em>")
    safe = render("{% tag html=value %}", value=mark_safe("<em>new</em>"))
    assert "&lt;em&gt;new&lt;/em&gt;" in unsafe
    assert "<em>new</em>" in safe


def test_an_unknown_option_or_a_positional_argument_is_a_syntax_error():
    with pytest.raises(TemplateSyntaxError, match="no option colour"):
        render('{% button text="Go" colour="red" %}')
    with pytest.raises(TemplateSyntaxError, match="name=value"):
        render('{% button "Go" %}')


def test_an_unknown_variant_is_an_error_not_a_silent_primary_button():
    with pytest.raises(TemplateSyntaxError, match="variant"):
        render('{% button text="Go" variant="danger" %}')


def test_data_and_aria_options_become_attributes():
    card = doc('{% card heading="Coverage" data_headline="coverage" %}x{% endcard %}')
    assert card.find("div", cls="nhsuk-card").attrs["data-headline"] == "coverage"


# --- Components that show content ----------------------------------------------------


def test_heading_sized_by_its_level_with_a_caption():
    assert render('{% heading text="Every week" id="weekly" %}') == (
        '<h2 class="nhsuk-heading-m" id="weekly">Every week</h2>'
    )
    h1 = doc('{% heading text=title level=1 caption="Reflection" %}', title="A <hard> night")
    heading = h1.find("h1")
    assert heading.classes == ["nhsuk-heading-l"]
    assert heading.find("span", cls="nhsuk-caption-l").text == "Reflection"
    assert heading.text == "Reflection A <hard> night"
    assert doc('{% heading text="x" level=3 size="xs" %}').find("h3").classes == [
        "nhsuk-heading-xs"
    ]


def test_button_is_a_submit_button_or_a_link_when_it_has_an_href():
    page = doc(
        '{% button text="Save" %}{% button text="Add" href="/add/" secondary=True small=True %}'
    )
    button = page.find("button")
    assert button.classes == ["nhsuk-button"]
    assert (button.attrs["type"], button.attrs["data-module"]) == ("submit", "nhsuk-button")
    link = page.find("a")
    assert link.classes == ["nhsuk-button", "nhsuk-button--secondary", "nhsuk-button--small"]
    assert (link.attrs["href"], link.attrs["role"], link.attrs["draggable"]) == (
        "/add/",
        "button",
        "false",
    )


def test_button_says_what_it_acts_on_to_screen_readers():
    button = doc(
        '{% button text="Delete" visually_hidden_text="slot on 5 May" warning=True %}'
    ).find("button")
    assert "nhsuk-button--warning" in button.classes
    assert button.text == "Delete slot on 5 May"
    assert button.find("span", cls="nhsuk-u-visually-hidden").text == "slot on 5 May"


def test_back_link_is_a_plain_link_as_in_nhsuk_frontend_10():
    assert render('{% back_link href="/people/" text="People" %}') == (
        '<a class="nhsuk-back-link" href="/people/">People</a>'
    )
    assert ">Back</a>" in render('{% back_link href="/" %}')


def test_action_link_has_its_arrow_and_text():
    link = doc('{% action_link href="/book/" text="Book a session" %}').find(
        "a", cls="nhsuk-action-link"
    )
    assert link.find("svg", cls="nhsuk-icon--arrow-right-circle")
    assert link.find("span", cls="nhsuk-action-link__text").text == "Book a session"


def test_tag_colours():
    assert render('{% tag text="Active" colour="green" %}') == (
        '<strong class="nhsuk-tag nhsuk-tag--green">Active</strong>'
    )
    with pytest.raises(TemplateSyntaxError):
        render('{% tag text="x" colour="teal" %}')


def test_inset_text_wraps_text_in_a_paragraph_and_a_block_as_it_is():
    inset = doc('{% inset_text text="Kept for 30 days" %}').find("div", cls="nhsuk-inset-text")
    assert inset.find("span", cls="nhsuk-u-visually-hidden").text == "Information:"
    assert inset.find("p").text == "Kept for 30 days"
    block = doc("{% inset_text %}<ul><li>x</li></ul>{% endinset_text %}")
    assert block.find("div", cls="nhsuk-inset-text").find("ul")


def test_warning_callout_is_a_warning_card_that_says_important():
    card = doc(
        '{% warning_callout heading="Last month" heading_level=2 text="Incomplete." %}'
    ).find("div", cls="nhsuk-card--warning")
    heading = card.find("h2", cls="nhsuk-card__heading")
    assert heading.text == "Important: Last month"
    assert heading.find("span", role="text")
    assert card.find("p", cls="nhsuk-card__description").text == "Incomplete."
    # A heading that says it already is not told twice.
    assert "Important: " not in render('{% warning_callout heading="Important" text="x" %}')


def test_care_card_is_nhsuk_frontends_urgent_card_and_says_so_to_screen_readers():
    card = doc(
        '{% care_card heading="If you need help now" variant="urgent" %}'
        "<ul><li>Call 999</li></ul>{% endcare_card %}"
    ).find("div", cls="nhsuk-card")
    assert card.classes == ["nhsuk-card", "nhsuk-card--care", "nhsuk-card--care--urgent"]
    container = card.find("div", cls="nhsuk-card__heading-container")
    heading = container.find("h2", cls="nhsuk-card__heading")
    assert heading.text == "Urgent advice: If you need help now"
    assert heading.find("span", role="text")
    assert container.find("span", cls="nhsuk-card--care__arrow").attrs["aria-hidden"] == "true"
    assert card.find("div", cls="nhsuk-card__content").find("li").text == "Call 999"
    emergency = doc('{% care_card heading="Call 999" variant="emergency" text="Now." %}')
    assert emergency.find("h2").text == "Immediate action required: Call 999"
    with pytest.raises(TemplateSyntaxError):
        render('{% care_card heading="x" variant="red" %}')


def test_details():
    details = doc('{% details summary="Why?" open=True %}<p>Because</p>{% enddetails %}').find(
        "details", cls="nhsuk-details"
    )
    assert "open" in details.attrs
    assert details.find("span", cls="nhsuk-details__summary-text").text == "Why?"
    assert details.find("div", cls="nhsuk-details__text").find("p").text == "Because"


def test_card_heading_links_when_it_has_an_href():
    card = doc(
        '{% card heading="Ward 7" href="/wards/7/" heading_size="m" clickable=True %}'
        "<p>12 staff</p>{% endcard %}"
    ).find("div", cls="nhsuk-card")
    assert card.classes == ["nhsuk-card", "nhsuk-card--clickable"]
    heading = card.find("div", cls="nhsuk-card__content").find("h2")
    assert heading.classes == ["nhsuk-card__heading", "nhsuk-heading-m"]
    assert heading.find("a", cls="nhsuk-card__link").attrs["href"] == "/wards/7/"
    assert card.find("p").text == "12 staff"
    described = doc('{% card heading="x" heading_level=3 description="Short" %}')
    assert described.find("h3")
    assert described.find("p", cls="nhsuk-card__description").text == "Short"


@pytest.mark.parametrize(
    ("variant", "role", "title"), [("", "region", "Important"), ("success", "alert", "Success")]
)
def test_notification_banner(variant, role, title):
    banner = doc(
        '{% notification_banner variant=variant title_id="message-1" text="Saved" %}',
        variant=variant,
    ).find("div", cls="nhsuk-notification-banner")
    assert (banner.attrs["role"], banner.attrs["aria-labelledby"]) == (role, "message-1")
    assert banner.find("h2", id="message-1").text == title
    assert banner.find("p", cls="nhsuk-notification-banner__heading").text == "Saved"


def test_fieldset_with_legend():
    fieldset = doc(
        '{% fieldset legend="Email me about" legend_size="s" %}<input>{% endfieldset %}'
    ).find("fieldset", cls="nhsuk-fieldset")
    legend = fieldset.find("legend")
    assert legend.classes == ["nhsuk-fieldset__legend", "nhsuk-fieldset__legend--s"]
    assert fieldset.find("input")


def test_contents_list_marks_this_page_and_links_the_others():
    request = RequestFactory().get("/accounts/email/")
    nav = doc(
        '{% contents_list aria_label="Account settings" %}'
        '{% contents_list_item href="/accounts/email/" text="Email" %}'
        '{% contents_list_item href="/accounts/password/" text="Password" %}'
        "{% endcontents_list %}",
        request=request,
    ).find("nav", cls="nhsuk-contents-list")
    assert nav.attrs["aria-label"] == "Account settings"
    current, other = nav.find("ol").find_all("li", cls="nhsuk-contents-list__item")
    assert current.attrs["aria-current"] == "page"
    assert current.find("span", cls="nhsuk-contents-list__current").text == "Email"
    assert other.find("a", cls="nhsuk-contents-list__link").attrs["href"] == "/accounts/password/"


# --- Pagination --------------------------------------------------------------------


def test_pagination_keeps_the_filters_in_its_links():
    page = Paginator(range(100), 10).page(2)
    nav = doc("{% pagination page=page query=query %}", page=page, query="band=7&q=a+b").find(
        "nav", cls="nhsuk-pagination"
    )
    previous = nav.find("a", cls="nhsuk-pagination__link--prev")
    following = nav.find("a", cls="nhsuk-pagination__link--next")
    assert (previous.attrs["href"], previous.attrs["rel"]) == ("?band=7&q=a+b&page=1", "prev")
    assert (following.attrs["href"], following.attrs["rel"]) == ("?band=7&q=a+b&page=3", "next")
    assert following.find("span", cls="nhsuk-pagination__page").text == "Page 3"


def test_pagination_shows_nothing_for_a_single_page():
    page = Paginator(range(5), 10).page(1)
    assert render("{% pagination page=page %}", page=page) == ""
    first = doc("{% pagination page=page %}", page=Paginator(range(20), 10).page(1))
    assert not first.find_all("a", cls="nhsuk-pagination__link--prev")
    assert first.find("a", cls="nhsuk-pagination__link--next").attrs["href"] == "?page=2"


# --- Error summary -------------------------------------------------------------------


class EveryKindForm(forms.Form):
    name = forms.CharField()
    kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    held_on = forms.DateField(widget=DateInput)

    def clean(self):
        raise forms.ValidationError("Something about the whole form")


def test_error_summary_links_each_error_to_the_input_that_takes_focus():
    form = EveryKindForm(data={"held_on_day": "31", "held_on_month": "2", "held_on_year": "2027"})
    summary = doc("{% error_summary form=form %}", form=form).find("div", cls="nhsuk-error-summary")
    assert summary.attrs["data-module"] == "nhsuk-error-summary"
    assert summary.find("h2", cls="nhsuk-error-summary__heading").text == "There is a problem"
    items = summary.find("ul", cls="nhsuk-error-summary__list").find_all("li")
    assert items[0].text == "Something about the whole form"
    # An error about the whole form links to its first field: every error links somewhere.
    hrefs = [item.find("a").attrs["href"] for item in items]
    assert hrefs == ["#id_name", "#id_name", "#id_kind", "#id_held_on_day"]


def test_error_summary_is_empty_without_errors_and_takes_a_list():
    assert render("{% error_summary form=form %}", form=EveryKindForm()) == ""
    summary = doc(
        '{% error_summary error_list=errors heading="Check the dates" %}',
        errors=[{"text": "Too late", "href": "#id_when"}],
    )
    assert summary.find("h2").text == "Check the dates"
    assert summary.find("a", href="#id_when").text == "Too late"


def test_error_summary_for_a_formset():
    formset = forms.formset_factory(EveryKindForm, extra=1)(
        data={"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-kind": "c"}
    )
    links = doc("{% error_summary formset=formset %}", formset=formset).find_all("a")
    assert [link.attrs["href"] for link in links] == [
        "#id_form-0-name",  # the form's own error
        "#id_form-0-name",
        "#id_form-0-kind",
        "#id_form-0-held_on_day",
    ]


# --- Summary list ------------------------------------------------------------------


def test_summary_list_rows_with_and_without_actions():
    dl = doc(
        "{% summary_list %}"
        '{% summary_row key="Name" value=name action_href="/edit/" action_hidden="name" %}'
        '{% summary_row key="Email" %}<a href="mailto:x">x</a>{% endsummary_row %}'
        "{% endsummary_list %}",
        name="Ann <Lee>",
    ).find("dl", cls="nhsuk-summary-list")
    with_action, without = dl.find_all("div", cls="nhsuk-summary-list__row")
    assert with_action.find("dt", cls="nhsuk-summary-list__key").text == "Name"
    assert with_action.find("dd", cls="nhsuk-summary-list__value").text == "Ann <Lee>"
    action = with_action.find("dd", cls="nhsuk-summary-list__actions").find("a")
    assert (action.attrs["href"], action.text) == ("/edit/", "Change name")
    # Where other rows have an action, a row without one says so, to keep the columns.
    assert "nhsuk-summary-list__row--no-actions" in without.classes
    assert without.find("dd", cls="nhsuk-summary-list__value").find("a")
    alone = doc(
        '{% summary_list border=False %}{% summary_row key="a" value="b" %}{% endsummary_list %}'
    )
    assert alone.find("dl").classes == ["nhsuk-summary-list", "nhsuk-summary-list--no-border"]
    assert alone.find("div").classes == ["nhsuk-summary-list__row"]


# --- Table -----------------------------------------------------------------------


TABLE = """{% table caption="Staff" caption_visually_hidden=True responsive=responsive %}
  {% table_head %}
    {% th text="Name" %}{% th text="Sessions" format="numeric" %}
    {% th visually_hidden_text="Action" %}
  {% endtable_head %}
  {% for name, count in rows %}{% table_row %}
    {% th text=name %}{% td text=count format="numeric" %}{% td %}<a href="#">Open</a>{% endtd %}
  {% endtable_row %}{% endfor %}
{% endtable %}"""


def test_table_rows_and_cells_carry_the_design_systems_classes():
    table = doc(TABLE, rows=[("Ann", 3), ("<Bo>", 12)], responsive=False).find("table")
    assert table.classes == ["nhsuk-table"]
    caption = table.find("caption")
    assert caption.classes == ["nhsuk-table__caption", "nhsuk-u-visually-hidden"]
    head = table.find("thead", cls="nhsuk-table__head").find("tr", cls="nhsuk-table__row")
    name, sessions, action = head.find_all("th")
    assert (name.attrs["scope"], name.classes) == ("col", ["nhsuk-table__header"])
    assert "nhsuk-table__header--numeric" in sessions.classes
    assert action.find("span", cls="nhsuk-u-visually-hidden").text == "Action"
    body = table.find("tbody", cls="nhsuk-table__body")
    rows = body.find_all("tr", cls="nhsuk-table__row")
    assert len(rows) == 2
    row_header = rows[1].find("th")
    assert (row_header.attrs["scope"], row_header.text) == ("row", "<Bo>")
    count = rows[1].find("td")
    assert count.classes == ["nhsuk-table__cell", "nhsuk-table__cell--numeric"]
    assert "role" not in table.attrs
    assert "role" not in count.attrs


def test_a_responsive_table_labels_each_cell_with_its_column():
    table = doc(TABLE, rows=[("Ann", 3)], responsive=True).find("table")
    assert table.classes == ["nhsuk-table", "nhsuk-table--responsive"]
    assert table.attrs["role"] == "table"
    assert table.find("th", scope="col").attrs["role"] == "columnheader"
    row = table.find("tbody").find("tr")
    assert row.attrs["role"] == "row"
    name, count, _action = row.find_all("th") + row.find_all("td")
    assert name.attrs["role"] == "rowheader"
    assert name.find("span", cls="nhsuk-table__heading").text == "Name"
    assert count.find("span", cls="nhsuk-table__heading").text == "Sessions"
    assert count.text == "Sessions 3"
    # header=False: a cell spanning the row has no column to name.
    empty = doc(
        "{% table responsive=True %}{% table_head %}{% th text='A' %}{% endtable_head %}"
        '{% table_row %}{% td text="Nothing" colspan=2 header=False %}{% endtable_row %}'
        "{% endtable %}"
    )
    assert not empty.find("td").find_all("span")


ROWS_OF_EVERY_KIND = """{% table responsive=responsive %}
{% table_head %}{% th text="Name" %}{% th text="Note" %}{% th text="Status" %}{% endtable_head %}
{% for name, note, status in rows %}
{% table_row classes=row_class %}
  {% th %}<a href="/p/{{ forloop.counter }}/">{{ name }}</a>{% endth %}
  {% td text=note data_note=note %}
  {% td %}{% tag text=status colour="green" %}
    {% if forloop.first %}{% tag html=note %}{% endif %}{% endtd %}
{% endtable_row %}
{% endfor %}
{% endtable %}"""


@pytest.mark.parametrize("responsive", [False, True])
def test_rows_read_the_same_whether_their_markup_is_kept_or_rendered_each_time(
    monkeypatch, responsive
):
    """render_component keeps a cell's, a row's and a tag's markup around their one
    changing value; the page must not change by a character for it."""
    from kernel.components import base

    rows = [
        ("Ann <b>", "Fish & chips", "Active"),
        ("Bo", "", "Invited <soon>"),
        ("Cy", "x" * 45, ""),  # a long word: marked breakable; an empty tag
        ("Di", mark_safe("<em>safe</em>"), "Active"),
        ("Ann <b>", "Fish & chips", "Active"),  # the first row again: all kept
    ]
    context = {"rows": rows, "responsive": responsive, "row_class": "app-row"}
    base._HALVES.clear()
    kept = render(ROWS_OF_EVERY_KIND, **context)
    assert base._HALVES, "the cells' and rows' markup is kept"
    monkeypatch.setattr(base, "_halves", lambda *args: None)
    assert kept == render(ROWS_OF_EVERY_KIND, **context)
    assert "Ann &lt;b&gt;" in kept
    assert "Invited &lt;soon&gt;" in kept
    assert "<em>safe</em>" in kept
    assert 'class="app-unbroken"' in kept


def renders_in_full(monkeypatch) -> list:
    """From now on, each full rendering of a component's template (base._render), listed."""
    from kernel.components import base

    in_full = []
    render_in_full = base._render

    def counted(*args):
        in_full.append(args)
        return render_in_full(*args)

    monkeypatch.setattr(base, "_render", counted)
    return in_full


def test_a_translated_option_takes_the_kept_markup_like_plain_text(monkeypatch):
    """`text=_("Active")` reaches a tag as a lazy string: written between the kept
    halves like any text, not rendered in full each time (a status tag a row)."""
    from kernel.components import base

    source = '{% tag text=_("Active") colour="green" %}{% tag text=_("Fish & chips") %}'
    base._HALVES.clear()
    first = render(source)
    in_full = renders_in_full(monkeypatch)
    assert render(source) == first
    assert not in_full, "the second time, both tags are written from kept markup"
    monkeypatch.setattr(base, "_halves", lambda *args: None)
    assert render(source) == first
    assert first == (
        '<strong class="nhsuk-tag nhsuk-tag--green">Active</strong>'
        '<strong class="nhsuk-tag">Fish & chips</strong>'
    )


def test_a_slot_left_empty_is_kept_whole_for_its_empty_value(monkeypatch):
    """A heading cell with only visually hidden text, a card with no link: the markup is
    kept whole with the empty value in its key, not rendered in full on every page,
    and reads as the full rendering does; a slot with text is still a slot."""
    from kernel.components import base

    source = (
        "{% load i18n %}{% table caption='People' %}{% table_head %}{% th text=_('Name') %}"
        "{% th visually_hidden_text=_('Actions') %}{% endtable_head %}{% endtable %}"
        "{% card heading=heading %}<p>x</p>{% endcard %}"
    )
    base._HALVES.clear()
    first = render(source, heading="Ann <b>")
    in_full = renders_in_full(monkeypatch)
    assert render(source, heading="Ann <b>") == first
    assert not in_full, "the second time, every component is written from kept markup"
    other = render(source, heading="Bo")
    assert "Bo" in other
    assert "Ann" not in other
    monkeypatch.setattr(base, "_halves", lambda *args: None)
    assert render(source, heading="Ann <b>") == first
    assert render(source, heading="Bo") == other
    assert '<span class="nhsuk-u-visually-hidden">Actions</span>' in first


def test_a_changed_component_template_is_read_again_when_the_loaders_reset():
    """Each page template keeps the component templates it used (render_component);
    when the cached loader is reset, as runserver does when a template changes, the
    page is parsed again and finds the component's new markup."""
    from django.template import Engine

    sources = {
        "page.html": '{% load nhsuk %}{% tag text="Active" %}',
        "components/tag.html": "<b>{{ body }}</b>",
    }
    locmem = ("django.template.loaders.locmem.Loader", sources)
    engine = Engine(
        loaders=[("django.template.loaders.cached.Loader", [locmem])],
        libraries={"nhsuk": "kernel.templatetags.nhsuk"},
    )
    assert engine.get_template("page.html").render(Context()) == "<b>Active</b>"
    sources["components/tag.html"] = "<i>{{ body }}</i>"
    assert engine.get_template("page.html").render(Context()) == "<b>Active</b>", "kept"
    engine.template_loaders[0].reset()
    assert engine.get_template("page.html").render(Context()) == "<i>Active</i>"


HEAD = """{% table_head %}{% th text="Name" %}{% th text="Note" %}
{% th text="Count" format="numeric" %}{% th visually_hidden_text="Action" %}{% endtable_head %}"""
TAGGED_ROWS = (
    '{% table caption="People" responsive=responsive %}'
    + HEAD
    + """{% for name, note, count, action in rows %}{% table_row %}
{% td text=name %}{% td text=note %}{% td text=count format="numeric" %}
{% td html=action visually_hidden_text="for them" %}
{% endtable_row %}{% endfor %}
{% endtable %}"""
)
DATA_ROWS = '{% table caption="People" responsive=responsive rows=data %}' + HEAD + "{% endtable %}"


def _markup(html: str) -> str:
    """Markup with the whitespace between tags (which a browser ignores) taken out."""
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("responsive", [False, True])
def test_rows_given_as_data_are_written_as_table_row_tags_write_them(responsive):
    """{% table rows=... %} (a presenter's rows) writes each cell as {% td %} would:
    escaped text, safe HTML, long words marked, empty cells, numeric columns, the
    column's heading on narrow screens; every row, not only the first of a column."""
    rows = [
        ("Ann <b>", "Fish & chips", 3, mark_safe('<a href="/1/">Open</a>')),
        ("Bo", "", 12, mark_safe('<a href="/2/">Open</a>')),
        ("Cy", "x" * 45, 0, ""),
        ("Ann <b>", mark_safe("<em>safe</em>"), 7, mark_safe('<a href="/4/">Open</a>')),
    ]
    data = [
        [
            name,
            note,
            {"text": count, "format": "numeric"},
            {"html": action, "visually_hidden_text": "for them"},
        ]
        for name, note, count, action in rows
    ]
    tagged = render(TAGGED_ROWS, rows=rows, responsive=responsive)
    written = render(DATA_ROWS, data=data, responsive=responsive)
    assert _markup(written) == _markup(tagged)
    assert written.count("<tr") == 5
    assert "Ann &lt;b&gt;" in written
    assert "<em>safe</em>" in written
    assert 'class="app-unbroken"' in written
    assert ">0<" in _markup(written), "a count of nought is a figure, not an empty cell"


def test_data_rows_take_colspan_and_no_heading_as_td_does():
    head = '{% table_head %}{% th text="A" %}{% th text="B" %}{% th text="C" %}{% endtable_head %}'
    tagged = render(
        "{% table responsive=True %}" + head + "{% table_row %}"
        '{% td text="Wide" colspan=2 %}{% td text="Last" %}{% endtable_row %}{% table_row %}'
        '{% td text="Nothing" colspan=3 header=False classes="app-x" %}{% endtable_row %}'
        "{% endtable %}"
    )
    data = [
        [{"text": "Wide", "colspan": 2}, "Last"],
        [{"text": "Nothing", "colspan": 3, "header": False, "classes": "app-x"}],
    ]
    written = render("{% table responsive=True rows=data %}" + head + "{% endtable %}", data=data)
    assert _markup(written) == _markup(tagged)
    cells = parse(written).find("tbody").find_all("td")
    assert cells[1].find("span", cls="nhsuk-table__heading").text == "C", "after a colspan"


def test_data_rows_tell_a_header_left_out_from_an_empty_or_false_one():
    """A header left out is the column's heading; an empty or False one is none, and
    "False" is a heading: each cell's markup is its own, however the column began."""
    head = '{% table_head %}{% th text="Name" %}{% endtable_head %}'
    cells = [{"text": "A", "header": ""}, "B", {"text": "C", "header": False}]
    cells += [{"text": "D", "header": "False"}]
    written = render(
        "{% table responsive=True rows=data %}" + head + "{% endtable %}",
        data=[[cell] for cell in cells],
    )
    labels = [
        [span.text for span in td.find_all("span", cls="nhsuk-table__heading")]
        for td in parse(written).find("tbody").find_all("td")
    ]
    assert labels == [[], ["Name"], [], ["False"]]


def test_data_rows_refuse_a_cell_option_td_does_not_have_and_rows_written_inside():
    with pytest.raises(TemplateSyntaxError, match="no option colour"):
        render("{% table rows=data %}{% endtable %}", data=[[{"text": "x", "colour": "red"}]])
    with pytest.raises(TemplateSyntaxError, match="takes its rows from"):
        render(
            "{% table rows=data %}{% table_row %}{% td text='x' %}{% endtable_row %}{% endtable %}"
        )
    assert "<tbody" in render("{% table rows=nothing %}{% endtable %}"), "no rows: an empty body"


def test_a_component_made_in_python_is_what_its_tag_writes():
    """component_html (a presenter's table cell) writes a component from its own
    template and options, escaping text as the tag does."""
    from kernel.components.base import component_html

    for options in (
        {"text": "Active", "colour": "green"},
        {"text": "Fish & <chips>", "classes": "app-x"},
        {"html": mark_safe("<em>Now</em>"), "colour": "yellow"},
    ):
        tag = "{% tag " + " ".join(f"{name}={name}" for name in options) + " %}"
        assert component_html("tag", **options) == render(tag, **options)
    with pytest.raises(TemplateSyntaxError, match="colour"):
        component_html("tag", text="x", colour="mauve")
    with pytest.raises(TypeError, match="context"):
        component_html("td", text="a cell reads its table's columns")


def test_table_head_belongs_directly_in_a_table():
    with pytest.raises(TemplateSyntaxError, match="directly inside"):
        render("{% table %}{% if x %}{% table_head %}{% endtable_head %}{% endif %}{% endtable %}")


# --- Layout ----------------------------------------------------------------------


def test_page_title_comes_from_the_heading(client, supervisee):
    client.force_login(supervisee)
    page = client.get("/notifications/").content.decode()
    assert "<title>Notifications \N{EN DASH} " in page
    assert '<h1 class="nhsuk-heading-l">Notifications</h1>' in page
    tree = parse(page)
    assert tree.find("a", cls="nhsuk-skip-link").attrs["href"] == "#maincontent"
    assert tree.find("header", cls="nhsuk-header").attrs["role"] == "banner"
    assert tree.find("footer", cls="nhsuk-footer").attrs["role"] == "contentinfo"


def test_capture_keeps_rendered_output_for_an_option():
    html = render(
        "{% capture as title %}<em>{{ name }}</em>{% endcapture %}"
        "{% card heading=title %}x{% endcard %}",
        name="A & B",
    )
    assert "<em>A &amp; B</em></h2>" in html


# --- Date input -------------------------------------------------------------------


class DateForm(forms.Form):
    date = forms.DateField(label="Date of the session", widget=DateInput)
    until = forms.DateField(
        label="Until", widget=DateInput, required=False, help_text="Leave empty for no end."
    )


def crispy(form):
    return parse(
        engines["django"]
        .from_string("{% load crispy_forms_tags %}{{ form|crispy }}")
        .render({"form": form})
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"date_day": "5", "date_month": "12", "date_year": "2026"}, datetime.date(2026, 12, 5)),
        ({"date_day": " 05 ", "date_month": "03", "date_year": "2027"}, datetime.date(2027, 3, 5)),
        # API clients and tests post one ISO date under the field's name.
        ({"date": "2026-12-05"}, datetime.date(2026, 12, 5)),
    ],
)
def test_date_input_accepts_three_boxes_or_one_iso_date(data, expected):
    form = DateForm(data=data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"date": expected, "until": None}


@pytest.mark.parametrize(
    "parts",
    [
        ("31", "2", "2027"),
        ("5", "13", "2027"),
        ("5", "3", "27"),
        ("x", "3", "2027"),
        ("", "3", "2027"),
    ],
)
def test_date_input_refuses_a_date_that_does_not_exist(parts):
    day, month, year = parts
    form = DateForm(data={"date_day": day, "date_month": month, "date_year": year})
    assert not form.is_valid()
    assert form.errors["date"] == ["Enter a valid date."]


def test_date_input_an_empty_optional_date_is_none_and_an_empty_required_one_is_missing():
    form = DateForm(data={"date_day": "", "date_month": "", "date_year": "", "until_day": ""})
    assert not form.is_valid()
    assert form.errors["date"] == ["This field is required."]
    assert "until" not in form.errors


def test_date_input_is_a_fieldset_with_legend_hint_and_three_labelled_boxes():
    page = crispy(DateForm(initial={"date": datetime.date(2026, 3, 4)}))
    group = page.by_id("div_id_date")
    assert group.classes == ["nhsuk-form-group"]
    fieldset = group.find("fieldset", cls="nhsuk-fieldset")
    assert fieldset.attrs["role"] == "group"
    assert fieldset.find("legend").text == "Date of the session"
    assert describedby(fieldset) == ["id_date_helptext"]
    assert page.by_id("id_date_helptext").text.startswith("For example, 15 3 ")
    boxes = fieldset.find("div", cls="nhsuk-date-input").find_all("input")
    assert [(b.attrs["name"], b.attrs["id"], b.attrs["value"]) for b in boxes] == [
        ("date_day", "id_date_day", "4"),
        ("date_month", "id_date_month", "3"),
        ("date_year", "id_date_year", "2026"),
    ]
    assert [b.attrs["inputmode"] for b in boxes] == ["numeric"] * 3
    assert "nhsuk-input--width-4" in boxes[2].classes
    labels = [fieldset.find("label", for_=b.attrs["id"]).text for b in boxes]
    assert labels == ["Day", "Month", "Year"]
    # A field's own help text is its hint.
    assert page.by_id("id_until_helptext").text == "Leave empty for no end."


def test_date_input_with_an_impossible_date_keeps_what_was_typed_and_marks_it():
    form = DateForm(data={"date_day": "31", "date_month": "2", "date_year": "2027"})
    page = crispy(form)
    group = page.by_id("div_id_date")
    assert "nhsuk-form-group--error" in group.classes
    assert describedby(group.find("fieldset")) == ["id_date_helptext", "id_date_error"]
    assert page.by_id("id_date_error").text == "Error: Enter a valid date."
    boxes = group.find_all("input")
    assert [b.attrs["value"] for b in boxes] == ["31", "2", "2027"]
    # Each box is right on its own: the date as a whole is wrong, so all three are marked.
    assert all("nhsuk-input--error" in b.classes for b in boxes)
    # The error summary's link focuses the day box.
    link = page.find("div", cls="nhsuk-error-summary").find("a")
    assert (link.attrs["href"], link.text) == ("#id_date_day", "Enter a valid date.")
    assert page.by_id("id_date_day").tag == "input"


def test_date_input_marks_only_the_box_that_is_wrong():
    form = DateForm(data={"date_day": "5", "date_month": "3", "date_year": "27"})
    boxes = crispy(form).by_id("div_id_date").find_all("input")
    assert ["nhsuk-input--error" in b.classes for b in boxes] == [False, False, True]


def test_date_input_posted_as_iso_shows_in_the_boxes():
    boxes = crispy(DateForm(data={"date": "2026-12-05"})).by_id("div_id_date").find_all("input")
    assert [b.attrs["value"] for b in boxes] == ["5", "12", "2026"]


def test_date_input_is_omitted_only_when_no_part_is_posted():
    widget = DateInput()
    assert widget.value_omitted_from_data({}, {}, "date")
    assert not widget.value_omitted_from_data({"date_year": "2027"}, {}, "date")
    assert not widget.value_omitted_from_data({"date": "2027-01-01"}, {}, "date")


@pytest.mark.django_db
def test_an_impossible_date_in_a_filter_is_an_error_on_the_page_not_a_server_error(
    client, programme_admin
):
    client.force_login(programme_admin)
    response = client.get(
        "/audit/", {"date_from_day": "31", "date_from_month": "2", "date_from_year": "2027"}
    )
    assert response.status_code == 200
    page = parse(response.content.decode())
    link = page.find("div", cls="nhsuk-error-summary").find("a")
    assert link.attrs["href"] == "#id_date_from_day"
    assert page.by_id("id_date_from_day").attrs["value"] == "31"


def test_the_title_from_a_heading_is_escaped_once():
    from django.template import engines

    page = engines["django"].from_string(
        '{% extends "base.html" %}{% block heading %}{{ name }}{% endblock %}'
    )
    html = page.render({"name": "O'Brien & <b>Co</b>"})
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith("O&#x27;Brien &amp; &lt;b&gt;Co&lt;/b&gt;")


def test_a_card_group_is_a_row_of_half_width_items_or_a_list_of_them():
    page = doc(
        "{% card_group %}{% card_group_item %}A{% endcard_group_item %}"
        '{% card_group_item width="one-third" %}B{% endcard_group_item %}{% endcard_group %}'
    )
    group = page.find("div")
    assert group.classes == ["nhsuk-grid-row", "nhsuk-card-group"]
    items = [e for e in page.find_all("div") if "nhsuk-card-group__item" in e.classes]
    assert [i.classes[0] for i in items] == [
        "nhsuk-grid-column-one-half",
        "nhsuk-grid-column-one-third",
    ]
    listed = doc(
        "{% card_group as_list=True %}{% card_group_item as_list=True %}A"
        "{% endcard_group_item %}{% endcard_group %}"
    )
    assert listed.find("ul").attrs["role"] == "list"
    assert "nhsuk-card-group__item" in listed.find("li").classes
    with pytest.raises(TemplateSyntaxError):
        render('{% card_group_item width="huge" %}A{% endcard_group_item %}')


def test_a_button_group_holds_buttons_and_a_button_can_post_elsewhere():
    page = doc(
        '{% button_group %}{% button text="Show" %}'
        '{% button text="PDF" formaction="/pdf/" secondary=True %}{% endbutton_group %}'
    )
    assert page.find("div").classes == ["nhsuk-button-group"]
    buttons = page.find_all("button")
    assert [b.attrs.get("formaction") for b in buttons] == [None, "/pdf/"]


# Every component whose markup is kept around its slots (render_component), each used
# with text to escape, safe HTML and translated text, some with a slot left empty.
EVERY_SLOTTED_COMPONENT = "\n".join(
    [
        "{% load i18n %}{% for item in items %}",
        "{% card heading=item.0 href=item.1 %}<p>{{ item.2 }}</p>{% endcard %}",
        "{% card heading=item.0 %}<p>{{ item.2 }}</p>{% endcard %}",
        "{% card_group as_list=True %}{% card_group_item as_list=True %}{{ item.2 }}",
        "{% endcard_group_item %}{% endcard_group %}",
        "{% button_group %}{% button text=item.0 href=item.1 %}{% button text=_('Save') %}",
        "{% endbutton_group %}",
        "{% heading text=item.0 %}{% heading text=item.0 caption=item.2 %}",
        "{% inset_text %}{{ item.2 }}{% endinset_text %}{% inset_text text=item.0 %}",
        "{% warning_callout heading=item.0 %}<p>{{ item.2 }}</p>{% endwarning_callout %}",
        "{% details summary=item.0 %}{{ item.2 }}{% enddetails %}",
        "{% notification_banner %}{{ item.2 }}{% endnotification_banner %}",
        "{% summary_list %}{% summary_row key=item.0 value=item.2 %}",
        "{% summary_row key=item.0 %}{{ item.1 }}{% endsummary_row %}",
        "{% summary_row key=_('Name') value=item.2 action_href=item.1 %}{% endsummary_list %}",
        "{% table caption=item.0 %}{% table_head %}{% th text=item.0 %}",
        "{% th visually_hidden_text=_('Actions') %}{% th text=item.2 %}{% endtable_head %}",
        "{% table_row %}{% td text=item.2 %}{% endtable_row %}{% endtable %}",
        "{% skip_link %}{% skip_link text=item.0 %}{% back_link href=item.1 text=item.0 %}",
        "{% back_link %}{% footer %}<p>{{ item.2 }}</p>{% endfooter %}",
        "{% endfor %}",
    ]
)


def test_components_read_the_same_whether_their_markup_is_kept_or_rendered_each_time(
    monkeypatch,
):
    """A card keeps its markup around three slots (heading, link, content), a summary
    row around two, a table around its head and body: whichever order the template
    writes them in, each lands in its place, escaped as `{{ name }}` would."""
    from kernel.components import base

    items = [
        ("Ann <b>", "/people/1/?a=1&b=2", "Fish & chips"),
        ("Bo", "/people/2/", mark_safe("<em>safe</em>")),
        ("Cy", "", ""),  # no link, no content: kept whole for their empty values
        ("Ann <b>", "/people/1/?a=1&b=2", "Fish & chips"),  # the first again: all kept
    ]
    base._HALVES.clear()
    kept = render(EVERY_SLOTTED_COMPONENT, items=items)
    assert any(len(order) == 3 for (_, order) in filter(None, base._HALVES.values())), (
        "a card's markup is kept around its three slots"
    )
    monkeypatch.setattr(base, "_halves", lambda *args: None)
    assert kept == render(EVERY_SLOTTED_COMPONENT, items=items)
    assert 'href="/people/1/?a=1&amp;b=2">Ann &lt;b&gt;</a>' in kept
    assert "<em>safe</em>" in kept
    assert "Fish &amp; chips" in kept


def test_a_slot_written_twice_or_not_at_all_is_rendered_in_full():
    """render_component keeps markup only when each slot is written exactly once."""
    from django.template import Context, Template

    from kernel.components import base

    template = Template("<p>{{ a }}|{{ a }}|{{ b }}</p>")
    values = {"a": "x", "b": "y"}
    context = Context({})
    context.template = template
    assert base._halves(context, template, values, ("a", "b")) is None
    assert base._halves(context, template, {"a": "x", "c": "z"}, ("a", "c")) is None


def test_component_html_keeps_its_template_until_a_template_is_edited(tmp_path):
    """component_html compiles its blank template once an engine; a template edited
    under runserver (autoreload's file_changed) has the components looked up again."""
    from django.utils.autoreload import file_changed

    from kernel.components.base import component_html

    engine = engines["django"].engine  # type: ignore[attr-defined]
    first = component_html("tag", text="Active", colour="green")
    kept = engine.__dict__["_component_html_template"]
    assert component_html("tag", text="Active", colour="green") == first
    assert engine.__dict__["_component_html_template"] is kept
    file_changed.send(sender=None, file_path=tmp_path / "components" / "tag.html")
    assert "_component_html_template" not in engine.__dict__
    assert component_html("tag", text="Active", colour="green") == first
    assert engine.__dict__["_component_html_template"] is not kept


def test_a_component_writer_writes_what_component_html_writes():
    from django.utils.translation import gettext_lazy

    from kernel.components.base import component_html, component_writer

    write = component_writer("card", heading_size="s")
    for heading, href, content in (
        ("Ada Lovelace", "/supervisors/7/", mark_safe("<p>Ward 7</p>")),
        ("O'Brien & <Sons>", "/supervisors/8/?a=1&b=2", "<p>not safe: escaped</p>"),
        (gettext_lazy("Active"), "/x/", mark_safe("<p>lazy heading</p>")),
        ("No link", "", mark_safe("<p>an empty slot: the whole template</p>")),
        ("", "/y/", mark_safe("<p>no heading</p>")),
    ):
        options = {"heading": heading, "href": href, "content": content}
        assert write(**options) == component_html("card", heading_size="s", **options)
    assert "nhsuk-heading-s" in write(heading="A", href="/a/", content="b")
    assert "&lt;Sons&gt;" in write(heading="<Sons>", href="/a/", content="b")
