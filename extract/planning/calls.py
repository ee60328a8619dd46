"""Calls across a domain boundary, found in the source: where, inside which loop, inside which transaction.

A call across the boundary is an operation looked up on a domain's interface proxy
(`catalog.get_product(...)`, also `catalog.get_product` passed along), however the proxy
was imported. A call is "in a loop" when a for/while loop or a comprehension around it,
in the same function, runs it once per item: each becomes a network round trip once the
callee runs elsewhere. (The iterable of a `for` or of a comprehension's first `for` is
evaluated once, so a call there is not in the loop.)

A transaction spans two domains when an atomic block (a `with ...atomic(...)` or an
`@...atomic` function) in one domain calls another domain's interface, directly or through
functions of the project it calls (followed across modules), or uses another domain's
models: once they run in two processes, no database transaction can hold both.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator, Mapping

from extract.planning.report import Location
from extract.planning.source import DOMAINS_PACKAGE, Source, SourceModule, dotted

MODULE_SCOPE = "<module>"
LOOPS = (ast.For, ast.AsyncFor, ast.While)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclasses.dataclass(frozen=True, slots=True)
class Proxies:
    """Interface proxies by where they are declared, and each domain's operations."""

    declared: Mapping[tuple[str, str], str]
    """(module, name) of a proxy -> its domain, e.g. ('domains.catalog.interface', 'catalog') -> 'catalog'."""
    operations: Mapping[str, frozenset[str]]


@dataclasses.dataclass(frozen=True, slots=True)
class ProxyUse:
    domain: str
    operation: str
    where: Location
    function: str
    loop: Location | None


@dataclasses.dataclass(slots=True)
class _Scope:
    uses: list[ProxyUse] = dataclasses.field(default_factory=list)
    callees: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    models: list[tuple[str, Location]] = dataclasses.field(default_factory=list)
    """Another domain's models used here: (domain, where)."""


@dataclasses.dataclass(frozen=True, slots=True)
class AtomicBlock:
    owner: str
    where: Location
    function: str
    uses: tuple[ProxyUse, ...]
    callees: tuple[tuple[str, str], ...]
    models: tuple[tuple[str, Location], ...]


@dataclasses.dataclass(frozen=True, slots=True)
class ModuleCalls:
    module: SourceModule
    uses: tuple[ProxyUse, ...]
    functions: Mapping[str, _Scope]
    blocks: tuple[AtomicBlock, ...]


class _Walker:
    def __init__(self, module: SourceModule, proxies: Proxies, known_modules: frozenset[str]) -> None:
        self.module = module
        self.proxies = proxies
        self.known = known_modules
        self.uses: list[ProxyUse] = []
        self.functions: dict[str, _Scope] = {MODULE_SCOPE: _Scope()}
        self.blocks: list[tuple[ast.AST, str, _Scope]] = []
        self.top_level = {node.name for node in module.tree.body if isinstance(node, FUNCTIONS)}

    def run(self) -> ModuleCalls:
        for statement in self.module.tree.body:
            self.walk(statement, scope=MODULE_SCOPE, loop=None, atomic=(), cls=None)
        blocks = tuple(
            AtomicBlock(
                owner=self.module.owner,
                where=self.module.at(node),
                function=function,
                uses=tuple(scope.uses),
                callees=tuple(scope.callees),
                models=tuple(scope.models),
            )
            for node, function, scope in self.blocks
        )
        return ModuleCalls(self.module, tuple(self.uses), self.functions, blocks)

    def walk(
        self, node: ast.AST, *, scope: str, loop: ast.AST | None, atomic: tuple[_Scope, ...], cls: str | None
    ) -> None:
        def go(child: ast.AST, **changes: object) -> None:
            context = {"scope": scope, "loop": loop, "atomic": atomic, "cls": cls, **changes}
            self.walk(child, **context)  # type: ignore[arg-type]

        if isinstance(node, FUNCTIONS):
            for decorator in node.decorator_list:
                go(decorator)
            qualname = f"{cls}.{node.name}" if cls else node.name if scope == MODULE_SCOPE else f"{scope}.{node.name}"
            inner = _Scope()
            self.functions[qualname] = inner
            atomic_decorators = [decorator for decorator in node.decorator_list if _is_atomic(decorator)]
            blocks = (self._block(atomic_decorators[0], qualname),) if atomic_decorators else ()
            for child in [*node.args.defaults, *node.args.kw_defaults]:
                if child is not None:
                    go(child)
            for child in node.body:
                go(child, scope=qualname, loop=None, atomic=blocks, cls=None)
            return
        if isinstance(node, ast.ClassDef):
            for child in node.body:
                go(child, cls=node.name, loop=None)
            return
        if isinstance(node, ast.Lambda):
            go(node.body, loop=None)
            return
        if isinstance(node, ast.For | ast.AsyncFor):
            go(node.target)
            go(node.iter)
            for child in node.body:
                go(child, loop=node)
            for child in node.orelse:
                go(child)
            return
        if isinstance(node, ast.While):
            go(node.test, loop=node)
            for child in node.body:
                go(child, loop=node)
            for child in node.orelse:
                go(child)
            return
        if isinstance(node, COMPREHENSIONS):
            first, *rest = node.generators
            go(first.iter)
            for child in [first.target, *first.ifs, *rest, *_elements(node)]:
                go(child, loop=node)
            return
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                go(item)
            if any(_is_atomic(item.context_expr) for item in node.items):
                atomic = (*atomic, self._block(node, scope))
            for child in node.body:
                go(child, atomic=atomic)
            return
        if isinstance(node, ast.Attribute):
            self._attribute(node, scope=scope, loop=loop, atomic=atomic)
        elif isinstance(node, ast.Name):
            self._model_use(node, node, atomic)
        if isinstance(node, ast.Call):
            callee = self._callee(node.func, cls=_class_of(scope))
            if callee is not None:
                for target in (self.functions[scope], *atomic):
                    target.callees.append(callee)
        for child in ast.iter_child_nodes(node):
            go(child)

    def _block(self, node: ast.AST, function: str) -> _Scope:
        scope = _Scope()
        self.blocks.append((node, function, scope))
        return scope

    def _attribute(self, node: ast.Attribute, *, scope: str, loop: ast.AST | None, atomic: tuple[_Scope, ...]) -> None:
        origin = self.module.imports.origin(node.value)
        domain = self.proxies.declared.get(origin) if origin else None
        if domain is not None and node.attr in self.proxies.operations[domain]:
            use = ProxyUse(
                domain=domain,
                operation=node.attr,
                where=self.module.at(node),
                function=scope,
                loop=self.module.at(loop) if loop is not None else None,
            )
            self.uses.append(use)
            for target in (self.functions[scope], *atomic):
                target.uses.append(use)
        self._model_use(node, node.value, atomic)

    def _model_use(self, node: ast.AST, reference: ast.expr, atomic: tuple[_Scope, ...]) -> None:
        if not atomic:
            return
        origin = self.module.imports.origin(reference)
        if origin is None:
            return
        owner = _models_owner(origin[0])
        if owner is not None and owner != self.module.owner:
            for block in atomic:
                block.models.append((owner, self.module.at(node)))

    def _callee(self, func: ast.expr, *, cls: str | None) -> tuple[str, str] | None:
        if isinstance(func, ast.Name):
            if func.id in self.top_level:
                return self.module.name, func.id
            origin = self.module.imports.names.get(func.id)
            return origin if origin and origin[0] in self.known else None
        if isinstance(func, ast.Attribute):
            if cls and dotted(func.value) == "self":
                return self.module.name, f"{cls}.{func.attr}"
            origin = self.module.imports.origin(func)
            return origin if origin and origin[0] in self.known else None
        return None


def _elements(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.DictComp):
        return [node.key, node.value]
    return [node.elt]  # type: ignore[attr-defined]


def _class_of(scope: str) -> str | None:
    head, dot, _ = scope.partition(".")
    return head if dot else None


def _is_atomic(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    name = dotted(target)
    return name is not None and name.rpartition(".")[2] == "atomic"


def _models_owner(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 3 and parts[0] == DOMAINS_PACKAGE and parts[2] == "models":
        return parts[1]
    return None


def scan(source: Source, proxies: Proxies) -> dict[str, ModuleCalls]:
    """Every module's proxy uses, functions and atomic blocks (migrations excluded)."""
    known = frozenset(source.by_name)
    return {
        module.name: _Walker(module, proxies, known).run()
        for module in source.modules
        if ".migrations." not in f".{module.name}."
    }


class Reach:
    """Which interface operations a function reaches, following calls to the project's own functions."""

    def __init__(self, scanned: Mapping[str, ModuleCalls]) -> None:
        self.scanned = scanned
        self.memo: dict[tuple[str, str], tuple[ProxyUse, ...]] = {}

    def of(self, function: tuple[str, str], visiting: frozenset[tuple[str, str]] = frozenset()) -> tuple[ProxyUse, ...]:
        if function in self.memo:
            return self.memo[function]
        module = self.scanned.get(function[0])
        scope = module.functions.get(function[1]) if module else None
        if scope is None or function in visiting:
            return ()
        found = list(scope.uses)
        for callee in scope.callees:
            found.extend(self.of(callee, visiting | {function}))
        self.memo[function] = tuple(dict.fromkeys(found))
        return self.memo[function]

    def through(self, block: AtomicBlock) -> Iterator[ProxyUse]:
        yield from block.uses
        for callee in block.callees:
            yield from self.of(callee)
