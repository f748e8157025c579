"""Ways around: back link, action link, contents list, pagination, and the page's
header, footer and skip link (base.html)."""

import html

from django.template.loader import render_to_string
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .base import component, css_classes, one_of, register


@component(slot="text")
def back_link(*, href="", text="", visually_hidden_text="", variant="", classes="", id=""):
    """The link above the page's content that goes back up (base.html's `back_link` block)."""
    one_of(variant, ("reverse",), "variant")
    return {
        "classes": css_classes("nhsuk-back-link", variant and "nhsuk-back-link--reverse", classes),
        "href": href or "#",
        "text": text or _("Back"),
        "visually_hidden_text": visually_hidden_text,
        "id": id,
    }


@component()
def action_link(*, href, text, variant="", open_in_new_window=False, classes="", id=""):
    one_of(variant, ("reverse",), "variant")
    return {
        "classes": css_classes(
            "nhsuk-action-link", variant and "nhsuk-action-link--reverse", classes
        ),
        "href": href,
        "text": text,
        "open_in_new_window": open_in_new_window,
        "id": id,
    }


@component(block=True, body=())
def contents_list(*, content="", aria_label="", classes=""):
    """A list of the pages (or sections) of a guide: {% contents_list_item %} in its block."""
    return {
        "classes": css_classes("nhsuk-contents-list", classes),
        "aria_label": aria_label or _("Contents"),
        "items": content,
    }


@component()
def contents_list_item(*, context, href, text, current=None):
    """One page of a contents list; the `current` one (by default, the one whose `href`
    is this page's address) is not a link."""
    if current is None:
        request = context.get("request")
        current = request is not None and request.path == href
    return {"href": href, "text": text, "current": current}


@component()
def pagination(
    *,
    page=None,
    query="",
    previous_url="",
    previous_page="",
    next_url="",
    next_page="",
    classes="",
):
    """Previous and next links: from a Django `page` (with `query`, the other GET
    parameters, kept in the links), or from the macro's own options."""
    if page is not None:
        prefix = f"?{query}&page=" if query else "?page="
        if page.has_previous():
            number = page.previous_page_number()
            previous_url, previous_page = (
                f"{prefix}{number}",
                _("Page %(number)s") % {"number": number},
            )
        if page.has_next():
            number = page.next_page_number()
            next_url, next_page = f"{prefix}{number}", _("Page %(number)s") % {"number": number}
    return {
        "classes": css_classes("nhsuk-pagination", classes),
        "previous_url": previous_url,
        "previous_page": previous_page,
        "next_url": next_url,
        "next_page": next_page,
    }


# --- Layout -------------------------------------------------------------------------
# base.html's page furniture: header, footer and skip link; the back link, heading
# and grid column are its blocks (docs/components.md).


@component()
def header(
    *,
    service_name,
    service_href="/",
    logo=False,
    organisation=False,
    navigation=(),
    account_text="",
    account_href="",
    sign_out_action="",
    classes="",
):
    """The header: the service's name (with the NHS logo if `logo`), the signed-in
    person (`account_text`, `account_href`) with a sign-out button posting to
    `sign_out_action`, and the menu (`navigation`: items with href, text, current)."""
    return {
        "classes": css_classes(
            "nhsuk-header", organisation and "nhsuk-header--organisation", classes
        ),
        "service_name": service_name,
        "service_href": service_href,
        "logo": logo,
        "menu": menu(navigation),
        "account_text": account_text,
        "account_href": account_href,
        "sign_out_action": sign_out_action,
    }


# The menus rendered so far, by language and items. Bounded: a worker keeps at most
# this many (one per set of roles and section of the site, a few dozen in practice).
_MENUS: dict[tuple, str] = {}
_MENUS_LIMIT = 512


def menu(navigation) -> str:
    """The header's menu (components/header_navigation.html) for these items.

    The same markup for everyone with the same menu (the same roles, on the same
    section of the site) and nothing personal in it, so it is rendered once per set
    of items and language and kept. The template sees only what the key holds.
    """
    if not navigation:
        return ""
    items = tuple(
        (str(item["href"]), str(item["text"]), bool(item["current"])) for item in navigation
    )
    key = (get_language(), items)
    markup = _MENUS.get(key)
    if markup is None:
        rendered = render_to_string(
            "components/header_navigation.html",
            {"navigation": [{"href": h, "text": t, "current": c} for h, t, c in items]},
        )
        if len(_MENUS) >= _MENUS_LIMIT:
            _MENUS.clear()
        markup = _MENUS[key] = mark_safe(rendered.strip())  # noqa: S308 - rendered by the template engine, so already escaped
    return markup


@component(block=True, body=(), slot="content")
def footer(*, content="", classes=""):
    """The footer; its block is the footer's meta content."""
    return {"classes": css_classes("nhsuk-footer", classes), "content": content}


@component(slot="text")
def skip_link(*, href="#maincontent", text=""):
    return {"href": href, "text": text or _("Skip to main content")}


@register.simple_tag(takes_context=True)
def heading_text(context, default=""):
    """The text of the page's `heading` block (base.html), for its <title>: a page
    that sets its heading needs no title block of its own."""
    block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
    block = block_context and block_context.get_block("heading")
    # The block is rendered HTML: its text, entities decoded, is escaped once more
    # by the tag as it is written into <title>.
    text = html.unescape(strip_tags(block.nodelist.render(context))).strip() if block else ""
    return text or default
