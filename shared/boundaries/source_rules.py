"""The ORM coupling rules, read from the source: what import-linter cannot see.

    modulith.E001  a relation (ForeignKey, OneToOne, ManyToMany) by string into another domain
    modulith.E004  a migration that depends on another domain's migration
    modulith.E060  a relation into a table no domain owns: the kernel's (bus, api), Django's (auth,
                   contenttypes, sessions), a third party's; by string or settings.AUTH_USER_MODEL
    modulith.E061  apps.get_model of another domain's model
    modulith.E062  a signal receiver on another domain's model (@receiver(..., sender=...), .connect)
    modulith.E063  a Celery task that is not named for its own domain, or sent by the name of
                   another domain's task
    modulith.E064  a test outside domains/ that imports a domain's private module (models,
                   services, ...) or fetches its models: the suite reads through interfaces and HTTP

E001 and E004 are also Django system checks over the installed models and the migration
graph (shared/boundaries/checks.py), which see relations made with a class; here they are
found in the files, so that a tree that is not installed (a generated one, a service being
written) is held too. E060-E064 run as system checks through `source_errors`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from shared.boundaries.source import DOMAINS_DIR, SourceTree
from shared.boundaries.violations import Violation

RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField", "ForeignObject"})
TASK_DECORATORS = frozenset({"shared_task", "task"})
PUBLIC_MODULE = "interface"

RELATION_BY_STRING = "{field} to {target!r} points into domain {other!r}."
RELATION_BY_STRING_FIX = (
    "Domains own their tables. Store the id instead (<name>_id = models.UUIDField(db_index=True)) "
    "and read what you need through domains.{other}.interface."
)
KERNEL_RELATION = "{field} to {target} points into a table no domain owns ({label})."
KERNEL_RELATION_FIX = (
    "Kernel tables (the bus, idempotency keys, users, content types, sessions) follow the kernel, not this "
    "domain, and may live in another database. Store the id (a UUIDField, or the user's id) and ask the kernel "
    "or the owning domain's interface."
)
MIGRATION_DEPENDENCY = "This migration depends on ({other!r}, {name!r}), a migration of domain {other!r}."
MIGRATION_DEPENDENCY_FIX = (
    "A domain's schema migrates on its own (it will have its own database). Remove the dependency and "
    "reference the other domain's rows by id."
)
GET_MODEL = "apps.get_model({target}) reaches the models of domain {other!r}."
GET_MODEL_FIX = "Call domains.{other}.interface instead; another domain's models are private to it."
FOREIGN_SIGNAL = "A receiver of {signal} listens to {sender}, a model of domain {other!r}."
FOREIGN_SIGNAL_FIX = (
    "Model signals of another domain are its private life. Subscribe to an event that domain publishes "
    "(domains.{other}.interface) in your handlers.py, or ask it to publish one."
)
TASK_UNNAMED = "Celery task {function} is not named for domain {domain!r} ({name})."
TASK_UNNAMED_FIX = (
    'Name it explicitly with its domain\'s prefix: @shared_task(name="{domain}.{function}"). The name is '
    "what a worker routes by, and it must say whose task it is and survive a rename."
)
TASK_OF_OTHER_DOMAIN = "Celery task name {name!r} belongs to domain {other!r}."
TASK_OF_OTHER_DOMAIN_FIX = (
    "Only a domain's own code names or sends its tasks. Call domains.{other}.interface, or publish an event "
    'that {other} handles; name your own tasks "{domain}.<task>".'
)
TEST_IMPORTS_PRIVATE = "This test imports {module}, a private module of domain {other!r}."
TEST_GETS_MODEL = "This test fetches a model of domain {other!r} (get_model({target}))."
TEST_PRIVATE_FIX = (
    "Tests outside domains/ read only through domains.{other}.interface or HTTP, so they hold for any "
    "placement. Move a white-box test into domains/{other}/tests/, or, for a kernel test that must build "
    "rows, list its path with the reason in pyproject.toml [tool.modulith.boundaries.white_box_tests]."
)


def tree_violations(tree: SourceTree) -> list[Violation]:
    """Every ORM-coupling violation of the tree: domain code, then the cross-domain tests."""
    found: list[Violation] = []
    for domain in sorted(tree.domains):
        for path in tree.domain_files(domain):
            found.extend(domain_file_violations(tree, path, domain))
    for path in tree.test_files():
        found.extend(test_file_violations(tree, path))
    return found


def domain_file_violations(tree: SourceTree, path: Path, domain: str) -> Iterator[Violation]:
    module = tree.parse(path)
    if module is None:
        return
    rules = _DomainFile(tree, path, domain, module)
    if path.parent.name == "migrations":
        yield from rules.migration_dependencies()
        yield from rules.calls(migration=True)
    else:
        yield from rules.calls(migration=False)


def test_file_violations(tree: SourceTree, path: Path) -> Iterator[Violation]:
    relative = tree.relative(path)
    if any(relative == allowed or relative.startswith(f"{allowed}/") for allowed in tree.white_box_tests):
        return
    module = tree.parse(path)
    if module is None:
        return
    for node in ast.walk(module):
        for other, imported in _private_domain_imports(node, tree.domains):
            yield Violation(
                check="modulith.E064",
                domain=other,
                file=relative,
                line=node.lineno,
                message=TEST_IMPORTS_PRIVATE.format(module=imported, other=other),
                fix=TEST_PRIVATE_FIX.format(other=other),
            )
        if isinstance(node, ast.Call) and _name_of(node.func) == "get_model":
            target = _model_label(node)
            if target is not None and target[0] in tree.domains:
                yield Violation(
                    check="modulith.E064",
                    domain=target[0],
                    file=relative,
                    line=node.lineno,
                    message=TEST_GETS_MODEL.format(other=target[0], target=target[1]),
                    fix=TEST_PRIVATE_FIX.format(other=target[0]),
                )


class _DomainFile:
    """One file of one domain, with the names its imports bind (to resolve `sender=Order`)."""

    def __init__(self, tree: SourceTree, path: Path, domain: str, module: ast.Module) -> None:
        self.tree, self.domain, self.module = tree, domain, module
        self.file = tree.relative(path)
        self.imports = _imported_names(module)

    def violation(self, check: str, node: ast.AST, message: str, fix: str) -> Violation:
        return Violation(
            check=check, domain=self.domain, file=self.file, line=getattr(node, "lineno", 1), message=message, fix=fix
        )

    def other_domain(self, label: str) -> str | None:
        return label if label in self.tree.domains and label != self.domain else None

    def calls(self, *, migration: bool) -> Iterator[Violation]:
        for node in ast.walk(self.module):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from self.task_decorators(node)
            if not isinstance(node, ast.Call):
                continue
            name = _name_of(node.func)
            if name in RELATION_FIELDS and not migration:  # a migration's fields repeat its models'
                yield from self.relation(node, name)
            elif name == "get_model":
                yield from self.get_model(node)
            elif name in ("receiver", "connect"):
                yield from self.signal(node, name)
            elif name == "send_task":
                yield from self.sent_task(node)

    def relation(self, node: ast.Call, field: str) -> Iterator[Violation]:
        target = node.args[0] if node.args else _keyword(node, "to")
        if isinstance(target, ast.Constant) and isinstance(target.value, str) and "." in target.value:
            label = target.value.split(".", 1)[0]
            if other := self.other_domain(label):
                yield self.violation(
                    "modulith.E001",
                    node,
                    RELATION_BY_STRING.format(field=field, target=target.value, other=other),
                    RELATION_BY_STRING_FIX.format(other=other),
                )
            elif label not in (self.domain, "self"):  # the kernel's, Django's or a third party's table
                yield self.violation(
                    "modulith.E060",
                    node,
                    KERNEL_RELATION.format(field=field, target=repr(target.value), label=label),
                    KERNEL_RELATION_FIX,
                )
        elif _dotted(target) == "settings.AUTH_USER_MODEL":
            yield self.violation(
                "modulith.E060",
                node,
                KERNEL_RELATION.format(field=field, target="settings.AUTH_USER_MODEL", label="the user model"),
                KERNEL_RELATION_FIX,
            )

    def get_model(self, node: ast.Call) -> Iterator[Violation]:
        target = _model_label(node)
        if target is not None and (other := self.other_domain(target[0])):
            yield self.violation(
                "modulith.E061",
                node,
                GET_MODEL.format(target=target[1], other=other),
                GET_MODEL_FIX.format(other=other),
            )

    def signal(self, node: ast.Call, name: str) -> Iterator[Violation]:
        sender = _keyword(node, "sender")
        if sender is None:
            return
        other = self.domain_of_expression(sender)
        if other is None:
            return
        if name == "receiver":
            signal = _dotted(node.args[0]) if node.args else None
        else:
            signal = _dotted(node.func.value) if isinstance(node.func, ast.Attribute) else None
        yield self.violation(
            "modulith.E062",
            node,
            FOREIGN_SIGNAL.format(signal=signal or "a signal", sender=ast.unparse(sender), other=other),
            FOREIGN_SIGNAL_FIX.format(other=other),
        )

    def domain_of_expression(self, node: ast.expr) -> str | None:
        """The other domain a sender names: "orders.Order", or a name imported from domains.orders."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "." in node.value:
            return self.other_domain(node.value.split(".", 1)[0])
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        qualified = self.imports.get(head, head) + (f".{rest}" if rest else "")
        parts = qualified.split(".")
        return self.other_domain(parts[1]) if len(parts) > 2 and parts[0] == DOMAINS_DIR else None

    def task_decorators(self, function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[Violation]:
        for decorator in function.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            if _name_of(call.func if call else decorator) not in TASK_DECORATORS:
                continue
            named = _keyword(call, "name") if call else None
            name = named.value if isinstance(named, ast.Constant) and isinstance(named.value, str) else None
            prefix = name.split(".", 1)[0] if name else None
            if name is not None and (other := self.other_domain(prefix or "")):
                yield self.violation(
                    "modulith.E063",
                    decorator,
                    TASK_OF_OTHER_DOMAIN.format(name=name, other=other),
                    TASK_OF_OTHER_DOMAIN_FIX.format(other=other, domain=self.domain),
                )
            elif prefix != self.domain:
                shown = f"named {name!r}" if name else "no name= given"
                yield self.violation(
                    "modulith.E063",
                    decorator,
                    TASK_UNNAMED.format(function=function.name, domain=self.domain, name=shown),
                    TASK_UNNAMED_FIX.format(domain=self.domain, function=function.name),
                )

    def sent_task(self, node: ast.Call) -> Iterator[Violation]:
        target = node.args[0] if node.args else _keyword(node, "name")
        if isinstance(target, ast.Constant) and isinstance(target.value, str):
            other = self.other_domain(target.value.split(".", 1)[0])
            if other:
                yield self.violation(
                    "modulith.E063",
                    node,
                    TASK_OF_OTHER_DOMAIN.format(name=target.value, other=other),
                    TASK_OF_OTHER_DOMAIN_FIX.format(other=other, domain=self.domain),
                )

    def migration_dependencies(self) -> Iterator[Violation]:
        for node in ast.walk(self.module):
            if not (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "dependencies" for t in node.targets)
                and isinstance(node.value, ast.List | ast.Tuple)
            ):
                continue
            for item in node.value.elts:
                if not (isinstance(item, ast.Tuple) and len(item.elts) == 2):
                    continue
                label, name = (e.value if isinstance(e, ast.Constant) else None for e in item.elts)
                if isinstance(label, str) and (other := self.other_domain(label)):
                    yield self.violation(
                        "modulith.E004",
                        item,
                        MIGRATION_DEPENDENCY.format(other=other, name=name),
                        MIGRATION_DEPENDENCY_FIX,
                    )


def _private_domain_imports(node: ast.AST, domains: frozenset[str]) -> Iterator[tuple[str, str]]:
    """(domain, module) for each import of a domain's module other than its interface."""
    modules: list[str] = []
    if isinstance(node, ast.Import):
        modules = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        parts = node.module.split(".")
        modules = [f"{node.module}.{alias.name}" for alias in node.names] if len(parts) == 2 else [node.module]
    for module in modules:
        parts = module.split(".")
        if len(parts) > 2 and parts[0] == DOMAINS_DIR and parts[1] in domains and parts[2] != PUBLIC_MODULE:
            yield parts[1], ".".join(parts[:3]) if len(parts) == 3 else module


def _imported_names(module: ast.Module) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".", 1)[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _model_label(node: ast.Call) -> tuple[str, str] | None:
    """(app label, how it was written) of get_model("orders", "Order") or get_model("orders.Order")."""
    first = node.args[0] if node.args else _keyword(node, "app_label")
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    shown = ", ".join(ast.unparse(arg) for arg in node.args)
    return first.value.split(".", 1)[0], shown


def _keyword(node: ast.Call | None, name: str) -> ast.expr | None:
    if node is None:
        return None
    return next((keyword.value for keyword in node.keywords if keyword.arg == name), None)


def _name_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _dotted(node: ast.expr | None) -> str | None:
    """`a.b.c` for a chain of names, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
