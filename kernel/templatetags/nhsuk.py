"""`{% load nhsuk %}`: the NHS.UK design system's components (kernel/components/,
docs/components.md)."""

from kernel.components import register

__all__ = ["register"]
