"""How a component tag works: its options parsed and checked, its block rendered, its
template in templates/components/ filled. Components register with `component()`."""

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

from django import template
from django.dispatch import receiver
from django.template.base import Node, NodeList, token_kwargs
from django.template.defaulttags import CsrfTokenNode
from django.utils.autoreload import file_changed
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from kernel.escaping import conditional_escape

register = template.Library()

ATTRIBUTE_PREFIXES = ("data_", "aria_")


def css_classes(*names: Any) -> str:
    return " ".join(str(name) for name in names if name)


def rendered(text: str) -> SafeString:
    """Text already escaped (the template engine's output, or escaped here) marked
    safe: mark_safe() without keep_lazy's check of its argument for a lazy string,
    a microsecond each time, several times a table cell."""
    return SafeString(text)


def one_of(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value and value not in allowed:
        raise template.TemplateSyntaxError(f"{option}={value!r}: expected one of {allowed}")
    return value


def render_component(context, name: str, values: dict, slot: str | tuple[str, ...] = "") -> str:
    """templates/components/<name>.html with `values`, as an inclusion tag would.

    With `slot`, the name of the one value that changes from row to row (a cell's
    body, a row's cells), or the names of several (a card's heading, link and
    content): the markup around them is rendered once per set of the other values
    and kept (`_halves`), and each slot's text is put in its place as `{{ slot }}`
    would write it. A table of 50 rows then renders each column's cell template
    once, not 50 times: the same output, at a fraction of the cost
    (bench/inprocess.py, the people directory). A component with slots writes each
    exactly once, as `{{ name }}`, and otherwise only tests it for truth (`{% if
    name %}`); any other template is rendered in full. A slot left empty is no slot:
    the markup is kept whole for it, its empty value part of the key.
    """
    template = _component_template(context, name)
    if slot:
        slots = (slot,) if isinstance(slot, str) else slot
        texts, written = [], []
        for slot_name in slots:
            text = values.get(slot_name)
            if isinstance(text, Promise):
                # A translated option (`text=_("Active")`) arrives as a lazy string:
                # as text, it takes the kept markup like any other, rather than a
                # full render each time (a tag a row cost seven times as much).
                text = str(text)
            if text is None or text == "":
                # Left empty: the template may test it for truth, so the markup is
                # kept whole for it, the empty value part of the key like any other
                # (a heading with only visually hidden text, a card with no link).
                continue
            if not isinstance(text, str):
                break
            texts.append(text)
            written.append(slot_name)
        else:
            kept = _halves(context, template, values, tuple(written))
            if kept is not None:
                return filled(kept, texts, context.autoescape)
    return _render(context, template, values)


def kept_markup(context, name: str, values: dict, slots: tuple[str, ...]):
    """The markup render_component keeps around `slots` for `values` (the slots'
    values aside), for `filled()`; None where it cannot be kept. For a caller that
    writes many components whose other values it knows are the same (a table's
    cells from data, kernel.components.tables), so that it asks once, not each time."""
    return _halves(context, _component_template(context, name), values, slots)


def filled(kept, texts: list, escape: bool) -> str:
    """Kept markup with each slot's text (escaped unless safe, where the template
    escapes) in its place, as render_component writes it."""
    pieces, order = kept
    if len(order) == 1:  # a table's cell or row: one slot, written straight in
        text = texts[order[0]]
        return (pieces[0] + (conditional_escape(text) if escape else text) + pieces[1]).strip()
    written = [pieces[0]]
    for index, position in enumerate(order):
        text = texts[position]
        written.append(conditional_escape(text) if escape else text)
        written.append(pieces[index + 1])
    return "".join(written).strip()


def _component_template(context, name: str):
    """templates/components/<name>.html, looked up once per page template: asking the
    engine (its loaders, their cache key) each time was a fifth of a cell's cost. Kept
    on the outermost template being rendered, so a template change that makes the
    cached loader parse that template again (runserver) finds the new component too."""
    outer = context.template
    found = outer.__dict__.get("_components")
    if found is None:
        found = outer.__dict__["_components"] = {}
    template = found.get(name)
    if template is None:
        template = found[name] = outer.engine.get_template(f"components/{name}.html")
    return template


def _render(context, template, values: dict) -> str:
    new_context = context.new(values)
    csrf_token = context.get("csrf_token")
    if csrf_token is not None:
        new_context["csrf_token"] = csrf_token
    return template.render(new_context).strip()


# The markup around the slots, per component template and every other value (and the
# language and escaping, which the markup may depend on). Bounded: a long-running
# worker keeps at most this many; most pages need a few dozen.
_HALVES: dict = {}
_HALVES_LIMIT = 4096
_SLOT_MARK = re.compile("\x00slot([0-9]+)\x00")


_PLAIN = frozenset({str, SafeString, int, bool, float, type(None)})


def _key(value):
    """`value` as part of a cache key: plain values only (a model instance may print
    differently next time it is loaded), each with its type (True is not 1, and a
    safe string is not the same text to be escaped)."""
    cls = value.__class__
    if cls in _PLAIN:
        return cls, value
    if isinstance(value, Promise):
        return str, str(value)
    if isinstance(value, list | tuple):
        return tuple(_key(item) for item in value)
    raise TypeError(f"not a key: {cls}")


_TRANSLATES: dict = {}


def _translates(template) -> bool:
    """Whether the template has text of its own to translate (then its markup is kept
    per language): asking for the language costs more than the rest of the key."""
    found = _TRANSLATES.get(template)
    if found is None:
        found = _TRANSLATES[template] = "i18n" in template.source or "_(" in template.source
    return found


def _halves(
    context, template, values: dict, slots: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[int, ...]] | None:
    """The markup around the slots, as (the pieces between them, which slot goes in
    each gap), or None when it cannot be kept (a value that is not plain, a slot
    written other than once, a CSRF token)."""
    parts: list = [template, get_language() if _translates(template) else None, context.autoescape]
    try:
        for name, value in values.items():
            if name in slots:
                continue
            cls = value.__class__
            # Inlined _key() for the plain values nearly every option has.
            parts.append((name, cls, value) if cls in _PLAIN else (name, _key(value)))
    except TypeError:  # not a plain value: render it in full
        return None
    key = tuple(parts)
    kept: tuple[tuple[str, ...], tuple[int, ...]] | bool | None = _HALVES.get(key)
    if kept is None:
        kept = False
        # Never keep markup with a CSRF token in it beyond its request.
        if not template.nodelist.get_nodes_by_type(CsrfTokenNode):
            marks = {name: mark_safe(f"\x00slot{index}\x00") for index, name in enumerate(slots)}  # noqa: S308 - our own markers
            found = _SLOT_MARK.split(_render(context, template, {**values, **marks}))
            order = tuple(int(index) for index in found[1::2])
            if sorted(order) == list(range(len(slots))):
                kept = (tuple(found[::2]), order)
        if len(_HALVES) >= _HALVES_LIMIT:
            _HALVES.clear()
        _HALVES[key] = kept
    return kept if isinstance(kept, tuple) else None


def parse_options(parser, token, allowed: set[str]) -> tuple[str, dict]:
    bits = token.split_contents()
    tag = bits.pop(0)
    options = token_kwargs(bits, parser, support_legacy=False)
    if bits:
        raise template.TemplateSyntaxError(
            f"{{% {tag} %}} takes options as name=value only, not {' '.join(bits)!r}"
        )
    unknown = sorted(
        k for k in options if k not in allowed and not k.startswith(ATTRIBUTE_PREFIXES)
    )
    if unknown:
        known = ", ".join(sorted(allowed))
        raise template.TemplateSyntaxError(
            f"{{% {tag} %}} has no option {', '.join(unknown)}; it takes {known}"
        )
    return tag, options


def resolve_options(
    options: dict, context, allowed=frozenset()
) -> tuple[dict, list[tuple[str, Any]]]:
    """The options' values, and the data-/aria- attributes among them (options that
    are not the component's own, such as `aria_label`)."""
    values = {name: value.resolve(context) for name, value in options.items()}
    attributes = [
        (name.replace("_", "-"), values.pop(name)) for name in _attribute_names(options, allowed)
    ]
    return values, attributes


_ATTRIBUTE_NAMES: dict = {}


def _attribute_names(options: dict, allowed) -> tuple[str, ...]:
    """Which of a tag's options are data-/aria- attributes: the same for every render
    of the tag, so found once (keyed by the options' names, a few dozen in all)."""
    key = (tuple(options), allowed)
    found = _ATTRIBUTE_NAMES.get(key)
    if found is None:
        found = _ATTRIBUTE_NAMES[key] = tuple(
            name for name in options if name.startswith(ATTRIBUTE_PREFIXES) and name not in allowed
        )
    return found


class ComponentNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(
        self,
        template: str,
        prepare: Callable,
        options: dict,
        nodelist: NodeList | None,
        slot: str | tuple[str, ...] = "",
    ):
        self.template, self.prepare, self.options, self.nodelist, self.slot = (
            template,
            prepare,
            options,
            nodelist,
            slot,
        )
        # Read once, here: inspect.signature() on every render was a third of a
        # table cell's cost (bench/inprocess.py, the people directory).
        parameters = inspect.signature(prepare).parameters
        self.allowed = frozenset(parameters)
        self.takes_context = "context" in parameters

    def render(self, context):
        values, attributes = resolve_options(self.options, context, self.allowed)
        if self.nodelist is not None:
            values["content"] = rendered(self.nodelist.render(context).strip())
        if self.takes_context:
            values["context"] = context
        values = self.prepare(**values)
        return render_component(
            context, self.template, {**values, "attributes": attributes}, self.slot
        )


# Each component tag's template, options and slots, for component_html().
_COMPONENTS: dict[str, tuple[str, Callable, str | tuple[str, ...]]] = {}


def _blank_template(engine):
    """An empty template of `engine`, made once: component_html's context needs one,
    and render_component keeps each component's template on it (a new one each call
    compiled a template and looked every component up again)."""
    blank = engine.__dict__.get("_component_html_template")
    if blank is None:
        blank = engine.__dict__["_component_html_template"] = engine.from_string("")
    return blank


@receiver(file_changed)
def _forget_blank_templates(**kwargs) -> None:
    """A template edited under runserver: the components kept on the blank templates
    are looked up again (Django's own receiver empties the cached loaders)."""
    from django.template import engines

    for backend in engines.all():
        getattr(backend, "engine", backend).__dict__.pop("_component_html_template", None)


@functools.cache
def _reads_context(prepare: Callable) -> bool:
    return "context" in inspect.signature(prepare).parameters


def _html_context(name: str):
    """(template name, prepare, slot, context) for writing component `name` in Python."""
    from django.template import Context, engines

    template_name, prepare, slot = _COMPONENTS[name]
    if _reads_context(prepare):
        raise TypeError(f"{{% {name} %}} reads the template's context: write it in a template")
    engine = engines["django"].engine  # type: ignore[attr-defined]
    context = Context(autoescape=engine.autoescape)
    context.template = _blank_template(engine)
    return template_name, prepare, slot, context


def component_html(name: str, **options) -> SafeString:
    """A component's markup made in Python, as its tag writes it: for a presenter's
    table cell (`{% table rows=... %}`). component_html("tag", text=_("Active"),
    colour="green") is what {% tag text=_("Active") colour="green" %} writes. Options
    only (no block, no data-/aria- attributes); text is escaped, safe strings not."""
    template_name, prepare, slot, context = _html_context(name)
    values = prepare(**options)
    return rendered(render_component(context, template_name, {**values, "attributes": []}, slot))


def component_writer(name: str, **options) -> Callable[..., SafeString]:
    """component_html for one component written many times with the same `options` and
    only its slots changing (a page of 25 cards): `write = component_writer("card",
    heading_size="s")`, then `write(heading=..., href=..., content=...)` is
    component_html("card", heading_size="s", heading=..., href=..., content=...).
    The markup around the slots is found once, for the language active now, and each
    call only puts its texts in place (a card's options checked, prepared and keyed
    each time were most of what it cost); a call it cannot serve so (a slot empty or
    not text) goes to component_html."""
    template_name, prepare, slots, context = _html_context(name)
    slots = (slots,) if isinstance(slots, str) else slots
    values = {**prepare(**options), "attributes": []}
    kept = kept_markup(context, template_name, values, slots) if slots else None

    def write(**texts) -> SafeString:
        if kept is not None and texts.keys() == set(slots):
            ordered = [texts[slot] for slot in slots]
            ordered = [str(text) if isinstance(text, Promise) else text for text in ordered]
            if all(text and isinstance(text, str) for text in ordered):
                return rendered(filled(kept, ordered, context.autoescape))
        return component_html(name, **options, **texts)

    return write


def component(
    *,
    block: bool = False,
    body: tuple[str, ...] = ("text", "html"),
    markup: str = "",
    slot: str | tuple[str, ...] = "",
):
    """Register `prepare` (its keyword-only parameters are the tag's options) as a tag
    that renders components/<markup, by default the tag's name>.html.

    With `block`, the tag has a block form when none of `body` is given; the
    block's output reaches `prepare` as `content`. `slot`: the value of `prepare`'s
    result that changes from use to use (or a tuple of them), for components used
    once a row (render_component says what it asks of the template).
    """

    def register_component(prepare: Callable) -> Callable:
        name = prepare.__name__
        template_name = markup or name
        allowed = set(inspect.signature(prepare).parameters) - {"content", "context"}
        _COMPONENTS[name] = (template_name, prepare, slot)

        def compile_tag(parser, token):
            tag, options = parse_options(parser, token, allowed)
            nodelist = None
            if block and not set(body) & set(options):
                nodelist = parser.parse((f"end{tag}",))
                parser.delete_first_token()
            return ComponentNode(template_name, prepare, options, nodelist, slot)

        register.tag(name, compile_tag)
        return prepare

    return register_component


class CaptureNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(self, name, nodelist):
        self.name, self.nodelist = name, nodelist

    def render(self, context):
        context[self.name] = mark_safe(self.nodelist.render(context).strip())  # noqa: S308 - rendered by the template engine
        return ""


@register.tag
def capture(parser, token):
    """{% capture as name %}...{% endcapture %}: rendered output as a variable, for an
    option that takes HTML (a slot of allauth's elements as a card's heading)."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("usage: {% capture as name %}...{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(bits[2], nodelist)
