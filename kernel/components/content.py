"""Components that show content: heading, button, tag, inset text, warning callout,
care card, details, card, notification banner."""

from django.utils.translation import gettext as _

from .base import component, css_classes, one_of


@component(block=True, slot="body")
def heading(
    *,
    content="",
    text="",
    html="",
    level=2,
    size="",
    caption="",
    visually_hidden_text="",
    classes="",
    id="",
):
    """A heading: `level` 1 to 6, `size` xs to xl (by default as the level: 1 l, 2 m, 3 s),
    a `caption` above it in the same size."""
    size = size or {1: "l", 2: "m", 3: "s"}.get(int(level), "xs")
    one_of(size, ("xxs", "xs", "s", "m", "l", "xl"), "size")
    return {
        "element": f"h{int(level)}",
        "classes": css_classes(f"nhsuk-heading-{size}", classes),
        "caption": caption,
        "caption_classes": f"nhsuk-caption-{size}" if size in ("m", "l", "xl") else "nhsuk-caption",
        "body": content or html or text,
        "visually_hidden_text": visually_hidden_text,
        "id": id,
    }


@component(block=True, slot="body")
def button(
    *,
    content="",
    text="",
    html="",
    href="",
    type="",
    name="",
    value="",
    variant="",
    secondary=False,
    warning=False,
    reverse=False,
    small=False,
    disabled=False,
    prevent_double_click=None,
    form="",
    formaction="",
    id="",
    classes="",
    aria_label="",
    visually_hidden_text="",
):
    """A <button>, or a link that looks like one when there is an `href` and no `type`.
    `secondary`, `warning` and `reverse` are short for variant="secondary" etc.;
    `visually_hidden_text` follows the text for screen readers ("Delete| slot on 5 May")."""
    for flag, flag_variant in (
        (secondary, "secondary"),
        (warning, "warning"),
        (reverse, "reverse"),
    ):
        if flag:
            variant = flag_variant
    variants = ("secondary", "secondary-solid", "warning", "reverse", "login", "brand")
    one_of(variant, variants, "variant")
    return {
        "element": "a" if href and not type else "button",
        "classes": css_classes(
            "nhsuk-button",
            variant and f"nhsuk-button--{variant}",
            small and "nhsuk-button--small",
            classes,
        ),
        "body": content or html or text,
        "href": href,
        "type": type or "submit",
        "name": name,
        "value": value,
        "disabled": disabled,
        "prevent_double_click": prevent_double_click,
        "form": form,
        "formaction": formaction,
        "id": id,
        "aria_label": aria_label,
        "visually_hidden_text": visually_hidden_text,
    }


TAG_COLOURS = (
    "white",
    "grey",
    "green",
    "aqua-green",
    "blue",
    "purple",
    "pink",
    "red",
    "orange",
    "yellow",
)


@component(block=True, slot="body")
def tag(*, content="", text="", html="", colour="", classes="", id=""):
    one_of(colour, TAG_COLOURS, "colour")
    return {
        "classes": css_classes("nhsuk-tag", colour and f"nhsuk-tag--{colour}", classes),
        "body": content or html or text,
        "id": id,
    }


@component(block=True, slot="content")
def inset_text(*, content="", text="", html="", visually_hidden_text="", classes="", id=""):
    return {
        "classes": css_classes("nhsuk-inset-text", classes),
        "content": content or html,
        "text": text,
        "visually_hidden_text": visually_hidden_text or _("Information"),
        "id": id,
    }


@component(block=True, slot=("heading", "content"))
def warning_callout(
    *,
    content="",
    text="",
    html="",
    heading="",
    heading_level=3,
    visually_hidden_text="",
    classes="",
    id="",
):
    """The v10 warning callout: a warning card whose heading says "Important" to screen
    readers unless it already does."""
    heading = heading or _("Important")
    if not visually_hidden_text and "important" not in str(heading).lower():
        visually_hidden_text = _("Important")
    return {
        "classes": css_classes("nhsuk-card", "nhsuk-card--warning", classes),
        "heading": heading,
        "heading_level": heading_level,
        "visually_hidden_text": visually_hidden_text,
        "content": content or html,
        "text": text,
        "id": id,
    }


CARE_VARIANTS = {
    "non-urgent": _("Non-urgent advice"),
    "urgent": _("Urgent advice"),
    "emergency": _("Immediate action required"),
}


@component(block=True)
def care_card(
    *,
    content="",
    text="",
    html="",
    heading,
    variant="non-urgent",
    heading_level=2,
    visually_hidden_text="",
    classes="",
    id="",
):
    """nhsuk-frontend's care card (a card with variant non-urgent, urgent or emergency):
    where to get help, the heading prefixed for screen readers ("Urgent advice: ...")."""
    one_of(variant, tuple(CARE_VARIANTS), "variant")
    return {
        "classes": css_classes(
            "nhsuk-card", "nhsuk-card--care", f"nhsuk-card--care--{variant}", classes
        ),
        "heading": heading,
        "heading_level": heading_level,
        "visually_hidden_text": visually_hidden_text or CARE_VARIANTS[variant],
        "content": content or html,
        "text": text,
        "id": id,
    }


@component(block=True, slot=("summary", "body"))
def details(*, content="", text="", html="", summary, open=False, classes="", id=""):
    return {
        "classes": css_classes("nhsuk-details", classes),
        "summary": summary,
        "body": content or html or text,
        "open": open,
        "id": id,
    }


@component(block=True, body=("description",), slot=("heading", "href", "content"))
def card(
    *,
    content="",
    heading="",
    heading_level=2,
    heading_size="",
    heading_classes="",
    href="",
    clickable=False,
    description="",
    variant="",
    classes="",
    id="",
):
    """A card; its block (or `description`) is the content under the heading. With
    `href` the heading is a link, and `clickable` makes the whole card one."""
    one_of(variant, ("feature", "primary", "secondary"), "variant")
    one_of(heading_size, ("xs", "s", "m", "l", "xl"), "heading_size")
    return {
        "classes": css_classes(
            "nhsuk-card",
            clickable and "nhsuk-card--clickable",
            variant and f"nhsuk-card--{variant}",
            classes,
        ),
        "heading": heading,
        "heading_level": heading_level,
        "heading_classes": css_classes(
            "nhsuk-card__heading", heading_size and f"nhsuk-heading-{heading_size}", heading_classes
        ),
        "href": href,
        "content": content,
        "description": description,
        "id": id,
    }


@component(block=True, slot="content")
def notification_banner(
    *,
    content="",
    text="",
    html="",
    title="",
    title_id="",
    heading="",
    variant="",
    role="",
    disable_auto_focus=None,
    classes="",
    id="",
):
    """Give each banner on a page its own `title_id` (the macro's default is one fixed id)."""
    one_of(variant, ("success",), "variant")
    success = variant == "success"
    return {
        "classes": css_classes(
            "nhsuk-notification-banner", success and "nhsuk-notification-banner--success", classes
        ),
        "role": role or ("alert" if success else "region"),
        "title": title or (_("Success") if success else _("Important")),
        "title_id": title_id or "nhsuk-notification-banner-title",
        "heading": heading,
        "content": content or html,
        "text": text,
        "disable_auto_focus": disable_auto_focus,
        "id": id,
    }


@component(block=True, body=(), slot="content")
def card_group(*, content="", as_list=False, classes="", id=""):
    """A row of cards (nhsuk-frontend's card group): `{% card_group_item %}`s inside,
    as a list when `as_list`."""
    return {
        "element": "ul" if as_list else "div",
        "classes": css_classes("nhsuk-grid-row nhsuk-card-group", classes),
        "role": "list" if as_list else "",
        "content": content,
        "id": id,
    }


@component(block=True, body=(), slot="content")
def card_group_item(*, content="", width="one-half", as_list=False, classes=""):
    """One place in a card group: `width` a grid column (one-half, one-third...);
    `as_list` when the group is one."""
    one_of(width, ("full", "one-half", "one-third", "two-thirds", "one-quarter"), "width")
    return {
        "element": "li" if as_list else "div",
        "classes": css_classes(f"nhsuk-grid-column-{width} nhsuk-card-group__item", classes),
        "content": content,
    }


@component(block=True, body=(), slot="content")
def button_group(*, content="", classes=""):
    """Buttons and links side by side (nhsuk-frontend's button group)."""
    return {"classes": css_classes("nhsuk-button-group", classes), "content": content}
