"""Finds model managers in Python source: the machinery of test_organisation_scoping.py.

`scan` parses one module with ast and reports each `Model.objects` (or any
manager), `get_object_or_404(Model, ...)` and `get_list_or_404(Model, ...)`
whose model is in the set it is given, resolving names through the module's
imports, `X = get_user_model()` and the module's own globals. A manager on a
name it cannot resolve is reported too, as "(which model?)". `Model.objects.none()`
is not reported: it can return nothing.
"""

import ast
import importlib
import importlib.util
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.shortcuts import get_list_or_404, get_object_or_404

SHORTCUTS = (get_object_or_404, get_list_or_404)
UNKNOWN = object()


def all_models() -> list[type[models.Model]]:
    return apps.get_models(include_auto_created=True)


# `objects` and any other manager a model declares, and the two every model has.
MANAGERS = frozenset(
    {"_default_manager", "_base_manager"}
    | {manager.name for model in all_models() for manager in model._meta.managers}
)


def dotted(path: str) -> str:
    """supervision/views/home.py -> supervision.views.home (a package: its own name)."""
    parts = path.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@dataclass(frozen=True)
class Offence:
    path: str
    line: int
    where: str
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code}  (in {self.where})"


class _Scanner(ast.NodeVisitor):
    """Finds sensitive managers and shortcuts in one module's syntax tree."""

    def __init__(self, path: str, tree: ast.Module, module, sensitive):
        self.path, self.module, self.sensitive = path, module, sensitive
        # What relative imports are relative to.
        name = dotted(path)
        self.package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
        self.names: dict[str, object] = {}
        self.stack: list[str] = []
        self.parents: dict[ast.AST, ast.AST] = {}
        self.offences: list[Offence] = []
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self._learn_names(tree)

    # --- what each name in the module stands for ---------------------------------

    def _learn_names(self, tree) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = importlib.util.resolve_name(
                    "." * node.level + (node.module or ""), self.package
                )
                for alias in node.names:
                    self.names[alias.asname or alias.name] = self._import(base, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    top = alias.name if alias.asname else alias.name.split(".")[0]
                    self.names[alias.asname or top] = safe_import(top)
        # Then names bound to a model in the module: `User = get_user_model()`.
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                value = self.resolve(node.value)
                if is_model(value):
                    self.names[node.targets[0].id] = value

    @staticmethod
    def _import(module_name: str, name: str):
        module = safe_import(module_name)
        if module is UNKNOWN:
            return UNKNOWN
        found = getattr(module, name, UNKNOWN)
        return found if found is not UNKNOWN else safe_import(f"{module_name}.{name}")

    def resolve(self, node):
        """The object an expression of names, attributes and get_user_model() stands for."""
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            return getattr(self.module, node.id, UNKNOWN) if self.module else UNKNOWN
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return UNKNOWN if base is UNKNOWN else getattr(base, node.attr, UNKNOWN)
        calls_get_user_model = isinstance(node, ast.Call) and not node.args
        if calls_get_user_model and self.resolve(node.func) is get_user_model:
            return get_user_model()
        return UNKNOWN

    # --- walking ----------------------------------------------------------------------

    def _visit_scope(self, node) -> None:
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_scope

    def _report(self, node, code: str) -> None:
        where = ".".join(self.stack) or "module"
        self.offences.append(Offence(self.path, node.lineno, where, code))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in MANAGERS and not self._asks_for_none(node):
            target = self.resolve(node.value)
            if target is UNKNOWN:
                self._report(node, f"{ast.unparse(node)} (which model?)")
            elif is_model(target) and target in self.sensitive:
                self._report(node, ast.unparse(node))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if node.args and self.resolve(node.func) in SHORTCUTS:
            target = self.resolve(node.args[0])
            if is_model(target) and target in self.sensitive:
                self._report(node, f"{ast.unparse(node.func)}({ast.unparse(node.args[0])}, ...)")
        self.generic_visit(node)

    def _asks_for_none(self, node: ast.Attribute) -> bool:
        """`Model.objects.none()`: a queryset that can return nothing."""
        attribute = self.parents.get(node)
        call = self.parents.get(attribute) if attribute is not None else None
        return (
            isinstance(attribute, ast.Attribute)
            and attribute.attr == "none"
            and isinstance(call, ast.Call)
            and call.func is attribute
        )


def safe_import(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return UNKNOWN


def is_model(value) -> bool:
    return isinstance(value, type) and issubclass(value, models.Model)


def scan(path: str, source: str, sensitive, module=None) -> list[Offence]:
    """The offences in one module's source (`module`, when imported, resolves its own names)."""
    tree = ast.parse(source, filename=path)
    scanner = _Scanner(path, tree, module, sensitive)
    scanner.visit(tree)
    return scanner.offences
