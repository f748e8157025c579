"""How a component tag works: its options parsed and checked, its block rendered, its
template in templates/components/ filled. Components register with `component()`."""

import inspect
from collections.abc import Callable
from typing import Any

from django import template
from django.template.base import Node, NodeList, token_kwargs
from django.utils.safestring import mark_safe

register = template.Library()

ATTRIBUTE_PREFIXES = ("data_", "aria_")


def css_classes(*names: Any) -> str:
    return " ".join(str(name) for name in names if name)


def one_of(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value and value not in allowed:
        raise template.TemplateSyntaxError(f"{option}={value!r}: expected one of {allowed}")
    return value


def render_component(context, name: str, values: dict) -> str:
    """templates/components/<name>.html with `values`, as an inclusion tag would."""
    new_context = context.new(values)
    csrf_token = context.get("csrf_token")
    if csrf_token is not None:
        new_context["csrf_token"] = csrf_token
    markup = context.template.engine.get_template(f"components/{name}.html").render(new_context)
    return markup.strip()


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
        (name.replace("_", "-"), values.pop(name))
        for name in list(values)
        if name.startswith(ATTRIBUTE_PREFIXES) and name not in allowed
    ]
    return values, attributes


class ComponentNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(self, template: str, prepare: Callable, options: dict, nodelist: NodeList | None):
        self.template, self.prepare, self.options, self.nodelist = (
            template,
            prepare,
            options,
            nodelist,
        )
        self.allowed = frozenset(inspect.signature(prepare).parameters)

    def render(self, context):
        values, attributes = resolve_options(self.options, context, self.allowed)
        if self.nodelist is not None:
            values["content"] = mark_safe(self.nodelist.render(context).strip())  # noqa: S308 - rendered by the template engine, so already escaped
        if "context" in inspect.signature(self.prepare).parameters:
            values["context"] = context
        values = self.prepare(**values)
        return render_component(context, self.template, {**values, "attributes": attributes})


def component(*, block: bool = False, body: tuple[str, ...] = ("text", "html"), markup: str = ""):
    """Register `prepare` (its keyword-only parameters are the tag's options) as a tag
    that renders components/<markup, by default the tag's name>.html.

    With `block`, the tag has a block form when none of `body` is given; the
    block's output reaches `prepare` as `content`.
    """

    def register_component(prepare: Callable) -> Callable:
        name = prepare.__name__
        template_name = markup or name
        allowed = set(inspect.signature(prepare).parameters) - {"content", "context"}

        def compile_tag(parser, token):
            tag, options = parse_options(parser, token, allowed)
            nodelist = None
            if block and not set(body) & set(options):
                nodelist = parser.parse((f"end{tag}",))
                parser.delete_first_token()
            return ComponentNode(template_name, prepare, options, nodelist)

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
