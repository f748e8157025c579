"""Tables of things: summary list and table, whose rows and cells are tags too."""

import html
import re

from django import template
from django.template.base import Node, NodeList, TextNode
from django.utils.html import strip_tags
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .base import (
    ComponentNode,
    component,
    conditional_escape,
    css_classes,
    filled,
    kept_markup,
    one_of,
    parse_options,
    register,
    render_component,
    rendered,
    resolve_options,
)

# --- Summary list -------------------------------------------------------------------


@component(block=True, body=("value",), slot=("key", "value"))
def summary_row(
    *,
    context,
    content="",
    key,
    value="",
    action_href="",
    action_text="",
    action_hidden="",
    classes="",
):
    """One row of a summary list: its block (or `value`) is the value; `action_hidden`
    names the row for screen readers after `action_text` ("Change| name")."""
    state = context.get("nhsuk_summary_list") or {}
    return {
        "classes": css_classes(
            "nhsuk-summary-list__row",
            state.get("has_actions") and not action_href and "nhsuk-summary-list__row--no-actions",
            classes,
        ),
        "key": key,
        "value": content or value,
        "action_href": action_href,
        "action_text": action_text or _("Change"),
        "action_hidden": action_hidden,
    }


class SummaryListNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(self, options, nodelist):
        self.options, self.nodelist = options, nodelist
        self.has_actions = any(
            node.template == "summary_row" and "action_href" in node.options
            for node in nodelist.get_nodes_by_type(ComponentNode)
        )

    def render(self, context):
        values, attributes = resolve_options(self.options, context)
        with context.push(nhsuk_summary_list={"has_actions": self.has_actions}):
            rows = rendered(self.nodelist.render(context).strip())
        border = values.get("border", True)
        return render_component(
            context,
            "summary_list",
            {
                "classes": css_classes(
                    "nhsuk-summary-list",
                    border is False and "nhsuk-summary-list--no-border",
                    values.get("classes"),
                ),
                "id": values.get("id", ""),
                "rows": rows,
                "attributes": attributes,
            },
            slot="rows",
        )


@register.tag
def summary_list(parser, token):
    """{% summary_list border=False classes=... %}{% summary_row ... %}...{% endsummary_list %}"""
    _, options = parse_options(parser, token, {"border", "classes", "id"})
    nodelist = parser.parse(("endsummary_list",))
    parser.delete_first_token()
    return SummaryListNode(options, nodelist)


# --- Table --------------------------------------------------------------------------
# {% table %} holds an optional {% table_head %} and rows; cells are {% th %} and
# {% td %}. The table keeps the head's texts so that, in a responsive table,
# each cell carries its column's heading for narrow screens. Or its rows come as
# data, as nhsuk-frontend's table macro takes them: `{% table rows=rows %}`, each
# row a list of cells, each cell a value (its text; HTML if marked safe) or a dict
# of {% td %}'s options (text, html, format, classes, colspan, rowspan, header,
# visually_hidden_text). A page's presenter makes the rows; the table writes each
# cell as {% td %} would, keeping each column's markup once (_data_rows): a list's
# rows cost a fraction of what a {% for %} of {% table_row %} tags costs.


class TableNode(Node):
    child_nodelists = ("head", "body")
    OPTIONS = frozenset(
        {
            "caption",
            "caption_size",
            "caption_visually_hidden",
            "responsive",
            "compact",
            "classes",
            "id",
            "rows",
        }
    )

    def __init__(self, options, nodelist):
        self.options = options
        self.head = NodeList(node for node in nodelist if isinstance(node, TableHeadNode))
        self.body = NodeList(node for node in nodelist if not isinstance(node, TableHeadNode))
        if len(nodelist.get_nodes_by_type(TableHeadNode)) != len(self.head):
            raise template.TemplateSyntaxError(
                "{% table_head %} must be directly inside {% table %}"
            )
        self.data_rows = "rows" in options
        if self.data_rows and any(
            not (isinstance(node, TextNode) and not node.s.strip()) for node in self.body
        ):
            raise template.TemplateSyntaxError(
                "{% table rows=... %} takes its rows from `rows`: only a {% table_head %} "
                "goes inside it"
            )

    def render(self, context):
        values, attributes = resolve_options(self.options, context)
        size = one_of(values.get("caption_size", ""), ("s", "m", "l", "xl"), "caption_size")
        state = {"responsive": bool(values.get("responsive")), "headers": [], "in_head": False}
        with context.push(nhsuk_table=state):
            head = self.head.render(context)
            if self.data_rows:
                body = _data_rows(context, state, values["rows"] or ())
            else:
                body = self.body.render(context)
        return render_component(
            context,
            "table",
            {
                "classes": css_classes(
                    "nhsuk-table",
                    values.get("compact") and "nhsuk-table--compact",
                    state["responsive"] and "nhsuk-table--responsive",
                    values.get("classes"),
                ),
                "responsive": state["responsive"],
                "caption": values.get("caption", ""),
                "caption_classes": css_classes(
                    "nhsuk-table__caption",
                    size and f"nhsuk-table__caption--{size}",
                    values.get("caption_visually_hidden") and "nhsuk-u-visually-hidden",
                ),
                "head": rendered(head.strip()),
                "body": rendered(body.strip()),
                "id": values.get("id", ""),
                "attributes": attributes,
            },
            slot=("head", "body"),
        )


class TableHeadNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        state = context.get("nhsuk_table") or {}
        state["in_head"] = True
        try:
            cells = self.nodelist.render(context).strip()
        finally:
            state["in_head"] = False
        return render_component(
            context,
            "table_head",
            {"cells": rendered(cells), "responsive": state.get("responsive")},
            slot="cells",
        )


class TableRowNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(self, options, nodelist):
        self.options, self.nodelist = options, nodelist

    def render(self, context):
        values, attributes = resolve_options(self.options, context)
        state = context.get("nhsuk_table") or {}
        state["column"] = 0
        cells = self.nodelist.render(context).strip()
        return render_component(
            context,
            "table_row",
            {
                "classes": css_classes("nhsuk-table__row", values.get("classes")),
                "cells": rendered(cells),
                "responsive": state.get("responsive"),
                "attributes": attributes,
            },
            slot="cells",
        )


# A table cell keeps words up to this long whole. A longer unbroken run of text (a
# pasted link, a reference number, a key held down) is marked so that it alone may
# break anywhere (static/css/app.css, .app-unbroken). CSS `overflow-wrap: anywhere`
# on the whole table would let every word break: a phone squeezes the columns and
# shows names as "Hele|n Mars|h".
LONGEST_WHOLE_WORD = 30
_TAG = re.compile(r"(<[^>]*>)")
# A run's first character only (the lookbehind): a search tried at every character
# of a run, scanning on from each, cost a cell of a name and an email 6 microseconds.
_LONG_RUN = re.compile(rf"(?<![^\s<>])[^\s<>]{{{LONGEST_WHOLE_WORD + 1},}}")


def breakable(value) -> SafeString:
    """`value` as HTML (escaped unless already safe), each run of text longer than
    LONGEST_WHOLE_WORD characters in <span class="app-unbroken">; tags are left as
    they are."""
    # Plain text, as most cells are, escaped as conditional_escape would escape it (a
    # presenter's markup, already safe, comes back from conditional_escape as it is).
    escaped = html.escape(value) if type(value) is str else str(conditional_escape(value))
    if len(escaped) <= LONGEST_WHOLE_WORD or not _LONG_RUN.search(escaped):
        return escaped if type(escaped) is SafeString else rendered(escaped)  # nearly always
    parts = _TAG.split(escaped)
    parts[::2] = [
        _LONG_RUN.sub(r'<span class="app-unbroken">\g<0></span>', text) for text in parts[::2]
    ]
    return rendered("".join(parts))  # escaped above; only the span added


def _cell(
    element,
    *,
    context,
    content,
    text,
    html,
    visually_hidden_text,
    format,
    header,
    colspan,
    rowspan,
    classes,
):
    state = context.get("nhsuk_table") or {}
    in_head = state.get("in_head", False)
    body = content or html or text
    kind = "nhsuk-table__header" if element == "th" else "nhsuk-table__cell"
    one_of(format, ("numeric",), "format")
    if in_head:
        state.setdefault("headers", []).append(strip_tags(str(body)).strip())
        scope, role = "col", "columnheader"
    else:
        scope = "row" if element == "th" else ""
        role = "rowheader" if element == "th" else "cell"
        column = state.get("column", 0)
        state["column"] = column + (int(colspan) if colspan else 1)
        headers = state.get("headers", [])
        if header is None and column < len(headers):
            header = headers[column]
    return {
        "element": element,
        "classes": css_classes(kind, format and f"{kind}--{format}", classes),
        "scope": scope,
        "role": role if state.get("responsive") else "",
        "colspan": colspan,
        "rowspan": rowspan,
        "header": header if state.get("responsive") and not in_head and header else "",
        "body": breakable(body),
        "visually_hidden_text": visually_hidden_text,
    }


CELL_OPTIONS = (
    "text",
    "html",
    "format",
    "classes",
    "colspan",
    "rowspan",
    "header",
    "visually_hidden_text",
)
# The options that, with its column, decide a cell's markup around its text.
_AROUND = CELL_OPTIONS[2:]


def _data_cell(cell) -> tuple[dict, object]:
    """A data row's cell as {% td %}'s options, and its text."""
    options = cell if isinstance(cell, dict) else {"text": cell}
    unknown = options.keys() - set(CELL_OPTIONS)
    if unknown:
        raise template.TemplateSyntaxError(
            f"a table cell has no option {', '.join(sorted(unknown))}; "
            f"it takes {', '.join(CELL_OPTIONS)}"
        )
    return options, options.get("html") or options.get("text", "")


def _data_rows(context, state, rows) -> str:
    """The table's body from data (`{% table rows=... %}`): each cell as {% td %}
    writes it, each row as {% table_row %}. The markup around a cell's text is the
    same for every cell of a column with the same options, so it is kept once a
    column (kept_markup) and each cell costs its text's escaping."""
    escape = context.autoescape
    kept_cells: dict = {}
    row_values = {
        "classes": "nhsuk-table__row",
        "responsive": state.get("responsive"),
        "attributes": [],
    }
    kept_row = None
    written = []
    for row in rows:
        state["column"] = 0
        cells = []
        for cell in row:
            column = state["column"]
            if isinstance(cell, dict):
                options, text = _data_cell(cell)
                # Each option as given (repr: False is not "False"), or absent (a
                # header left out is the column's heading; an empty one is none).
                signature: tuple | int = (
                    column,
                    *((name in options, repr(options.get(name))) for name in _AROUND),
                )
            else:  # text alone, as nearly every cell is: its column is its key
                options, text, signature = {"text": cell}, cell, column
            kept = kept_cells.get(signature)
            body = breakable(text)
            if kept and body:
                colspan = options.get("colspan")
                state["column"] = column + (int(colspan) if colspan else 1)
                cells.append(filled(kept, [body], escape))
                continue
            values = {
                **_cell(
                    "td",
                    context=context,
                    content="",
                    text=text,
                    html="",
                    visually_hidden_text=options.get("visually_hidden_text", ""),
                    format=options.get("format", ""),
                    header=options.get("header"),
                    colspan=options.get("colspan", ""),
                    rowspan=options.get("rowspan", ""),
                    classes=options.get("classes", ""),
                ),
                "attributes": [],
            }
            if kept is None:
                kept = kept_cells[signature] = (
                    kept_markup(context, "table_cell", values, ("body",)) or False
                )
            cells.append(render_component(context, "table_cell", values, slot="body"))
        content = rendered("\n".join(cells))
        if kept_row is None:
            kept_row = kept_markup(context, "table_row", row_values, ("cells",)) or False
        if kept_row and content:
            written.append(filled(kept_row, [content], escape))
        else:
            written.append(
                render_component(
                    context, "table_row", {**row_values, "cells": content}, slot="cells"
                )
            )
    return "\n".join(written)


@register.tag
def table(parser, token):
    """{% table caption=... caption_visually_hidden=True responsive=True %}...{% endtable %}"""
    _, options = parse_options(parser, token, set(TableNode.OPTIONS))
    nodelist = parser.parse(("endtable",))
    parser.delete_first_token()
    return TableNode(options, nodelist)


@register.tag
def table_head(parser, token):
    """{% table_head %}{% th text=... %}...{% endtable_head %}: the header row."""
    parse_options(parser, token, set())
    nodelist = parser.parse(("endtable_head",))
    parser.delete_first_token()
    return TableHeadNode(nodelist)


@register.tag
def table_row(parser, token):
    """{% table_row %}{% td ... %}...{% endtable_row %}: a row of the table's body."""
    _, options = parse_options(parser, token, {"classes"})
    nodelist = parser.parse(("endtable_row",))
    parser.delete_first_token()
    return TableRowNode(options, nodelist)


def _cell_tag(element: str, doc: str) -> None:
    """Register {% th %} or {% td %}: one set of options, one template."""

    def cell(
        *,
        context,
        content="",
        text="",
        html="",
        visually_hidden_text="",
        format="",
        header=None,
        colspan="",
        rowspan="",
        classes="",
    ):
        return _cell(
            element,
            context=context,
            content=content,
            text=text,
            html=html,
            visually_hidden_text=visually_hidden_text,
            format=format,
            header=header,
            colspan=colspan,
            rowspan=rowspan,
            classes=classes,
        )

    cell.__name__, cell.__doc__ = element, doc
    component(
        block=True, body=("text", "html", "visually_hidden_text"), markup="table_cell", slot="body"
    )(cell)


_cell_tag("th", "A header cell: a column's heading in {% table_head %}, a row's heading in a row.")
_cell_tag(
    "td",
    """A data cell; format="numeric" aligns figures. In a responsive table `header`
    (by default the column's heading; False for none) labels it on narrow screens.""",
)
