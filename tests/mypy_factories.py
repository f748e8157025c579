"""A mypy plugin: calling a factory_boy factory gives the model it makes.

factory_boy's metaclass turns `UserFactory(...)` into `UserFactory.create(...)`, but
mypy cannot see through a metaclass `__call__` (python/mypy#1020), so it types the
result as a `UserFactory` and every attribute read on it fails. factory_boy types
`create()` and `build()` as returning `T` when a factory is declared as
`DjangoModelFactory[User]`; this hook gives the bare call that same `T`, so tests keep
the idiomatic `UserFactory()` and stay checked.
"""

from collections.abc import Callable

from mypy.maptype import map_instance_to_supertype
from mypy.nodes import TypeInfo
from mypy.plugin import FunctionContext, Plugin
from mypy.types import Instance, Type, get_proper_type

BASE_FACTORY = "factory.base.BaseFactory"


def _made_by_factory(ctx: FunctionContext) -> Type:
    made = get_proper_type(ctx.default_return_type)
    if not isinstance(made, Instance) or not made.type.has_base(BASE_FACTORY):
        return ctx.default_return_type
    base = next(info for info in made.type.mro if info.fullname == BASE_FACTORY)
    (model,) = map_instance_to_supertype(made, base).args
    return model


class FactoryBoyPlugin(Plugin):
    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        symbol = self.lookup_fully_qualified(fullname)
        node = symbol.node if symbol is not None else None
        if isinstance(node, TypeInfo) and node.has_base(BASE_FACTORY):
            return _made_by_factory
        return None


def plugin(version: str) -> type[Plugin]:
    return FactoryBoyPlugin
