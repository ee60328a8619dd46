"""What stops a domain from leaving the process as it is, each with the fix.

    private imports         code outside the domain importing its private modules, or the domain
                            importing another's (grimp's import graph: the one lint-imports reads)
    ORM coupling            model relations into or out of the domain (the boundary check E001)
    spanning transactions   an atomic block in one domain that calls another domain or uses its models
    shared tables           tables of apps that stay here pointing at the domain's tables (Django's
                            admin log at the user model), and rows of the domain pointing at tables
                            that stay (a user's groups)

An import behind `if apps.is_installed("domains.<d>"):` is no blocker: it runs only where
the domain does.
"""

from __future__ import annotations

import ast
import functools
import inspect
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

import grimp
from django.apps import apps
from django.conf import settings
from django.db import connections, models, router

from extract.planning.calls import AtomicBlock, Reach
from extract.planning.report import Blocker, BlockerKind, Location
from extract.planning.source import DOMAINS_PACKAGE, Source, dotted
from shared.boundaries.checks import relation_errors

INTERFACE_MODULE = "interface"

PRIVATE_IMPORT_IN = "{importer} imports {imported}, which is private to domain {domain!r}."
PRIVATE_IMPORT_IN_FIX = (
    "Once {domain} runs elsewhere this code has nothing to import. Call an operation of "
    "domains.{domain}.interface instead (add one if it lacks it), or move this code into domain {domain}."
)
PRIVATE_IMPORT_OUT = "{importer} imports {imported}, which is private to domain {other!r}."
PRIVATE_IMPORT_OUT_FIX = (
    "The service of {domain} will not hold {other}'s code. Import only domains.{other}.interface and call "
    "its operations."
)
RELATION_FIX = "{hint} The split cannot carry a database relation between two services."
SPANNING = (
    "The transaction opened in {function} ({owner}) also {what}; once {other} runs elsewhere no transaction holds both."
)
SPANNING_CALL = "calls {domain}.{operation} ({where})"
SPANNING_MODEL = "uses {domain}'s models ({where})"
SPANNING_FIX = (
    "Commit {owner}'s change first and let {other} follow: publish an event in the transaction and "
    "subscribe to it in {other}, or make the call before or after the transaction, with its compensation "
    "recorded in {owner}'s transaction."
)
SHARED_INTO = "{model}.{field} ({app}, which stays in this process) refers to {target}, a table of domain {domain!r}."
SHARED_INTO_FIX = (
    "Give this process its own table for it when {domain} runs elsewhere ({setting}), or remove the relation."
)
USER_MODEL_SETTING = "AUTH_USER_MODEL must name another model in the settings of a process without {domain}"
SHARED_OUT = "{rows} rows of {table} ({model}.{field}) point at {target} ({app}), a table that stays in this process."
SHARED_OUT_FIX = (
    "The service gets its own {app} tables, without these rows. Empty {table}, or recreate the {target} rows "
    "the service needs there, before copying the data."
)
GRIMP_FINDER_LOGGER = "grimp.adaptors.modulefinder"
KERNEL_APPS = frozenset({"admin", "auth", "contenttypes", "sessions"})


def private_imports(source: Source, domain: str) -> list[Blocker]:
    """Imports of the domain's private modules from outside it, and of other domains' from inside it."""
    graph = _import_graph(tuple(sorted({module.name.partition(".")[0] for module in source.modules})))
    package = f"{DOMAINS_PACKAGE}.{domain}"
    found: list[Blocker] = []
    for importer in sorted(graph.modules):
        if _is_test(importer):
            continue
        inside = _in_package(importer, package)
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            other = _domain_of(imported)
            if other is None or not _is_private(imported, other) or _in_package(imported, _domain_package(importer)):
                continue
            if inside:
                message, fix = PRIVATE_IMPORT_OUT, PRIVATE_IMPORT_OUT_FIX
            elif other == domain:
                message, fix = PRIVATE_IMPORT_IN, PRIVATE_IMPORT_IN_FIX
            else:
                continue
            for line in _unguarded_lines(source, graph, importer, imported, other):
                found.append(
                    Blocker(
                        kind=BlockerKind.PRIVATE_IMPORT,
                        where=Location(path=source.by_name[importer].path, line=line),
                        message=message.format(importer=importer, imported=imported, domain=domain, other=other),
                        fix=fix.format(domain=domain, other=other),
                    )
                )
    return found


@functools.cache
def _import_graph(packages: tuple[str, ...]) -> grimp.ImportGraph:
    # grimp warns about config/gunicorn.conf.py (not an importable name, and not a module anyone imports).
    finder = logging.getLogger(GRIMP_FINDER_LOGGER)
    level = finder.level
    finder.setLevel(logging.ERROR)
    try:
        return grimp.build_graph(*packages, cache_dir=None)
    finally:
        finder.setLevel(level)


def clear_import_graph() -> None:
    """Forget the import graph read so far (the source changed: a test writes a module)."""
    _import_graph.cache_clear()


def _unguarded_lines(source: Source, graph: grimp.ImportGraph, importer: str, imported: str, domain: str) -> list[int]:
    module = source.module(importer)
    lines = {detail["line_number"] for detail in graph.get_import_details(importer=importer, imported=imported)}
    if module is None:
        return sorted(lines)
    guarded = set(_guarded_lines(module.tree, f"{DOMAINS_PACKAGE}.{domain}"))
    return sorted(lines - guarded) or ([] if lines else [1])


def _guarded_lines(tree: ast.Module, app: str) -> Iterator[int]:
    """Lines inside `if apps.is_installed("<app>"):` blocks."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _checks_installed(node.test, app):
            for statement in node.body:
                for inner in ast.walk(statement):
                    if hasattr(inner, "lineno"):
                        yield inner.lineno


def _checks_installed(test: ast.expr, app: str) -> bool:
    return (
        isinstance(test, ast.Call)
        and (dotted(test.func) or "").rpartition(".")[2] == "is_installed"
        and bool(test.args)
        and isinstance(test.args[0], ast.Constant)
        and test.args[0].value == app
    )


def _is_test(module: str) -> bool:
    return ".tests." in f".{module}." or module.startswith("tests.")


def _domain_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 and parts[0] == DOMAINS_PACKAGE else None


def _domain_package(module: str) -> str:
    other = _domain_of(module)
    return f"{DOMAINS_PACKAGE}.{other}" if other else module


def _in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def _is_private(module: str, domain: str) -> bool:
    interface = f"{DOMAINS_PACKAGE}.{domain}.{INTERFACE_MODULE}"
    return not (_in_package(module, interface) or module == f"{DOMAINS_PACKAGE}.{domain}")


def orm_coupling(domain: str) -> list[Blocker]:
    """Model relations between the domain's models and another domain's (check modulith.E001)."""
    if not apps.is_installed(f"{DOMAINS_PACKAGE}.{domain}"):
        return []
    found = []
    for error in relation_errors(apps.get_models(include_auto_created=False)):
        field = error.obj
        if domain not in (field.model._meta.app_label, field.related_model._meta.app_label):
            continue
        found.append(
            Blocker(
                kind=BlockerKind.ORM_COUPLING,
                where=_field_location(field),
                message=error.msg,
                fix=RELATION_FIX.format(hint=error.hint),
            )
        )
    return found


def spanning_transactions(blocks: Iterable[AtomicBlock], reach: Reach, domain: str) -> list[Blocker]:
    found = []
    for block in blocks:
        if block.owner not in _domain_labels():
            continue
        touched: dict[str, list[str]] = {}
        for use in reach.through(block):
            if use.domain != block.owner:
                touched.setdefault(use.domain, []).append(
                    SPANNING_CALL.format(domain=use.domain, operation=use.operation, where=use.where)
                )
        for other, where in block.models:
            touched.setdefault(other, []).append(SPANNING_MODEL.format(domain=other, where=where))
        for other, what in sorted(touched.items()):
            if domain not in (block.owner, other):
                continue
            found.append(
                Blocker(
                    kind=BlockerKind.SPANNING_TRANSACTION,
                    where=block.where,
                    message=SPANNING.format(
                        function=block.function, owner=block.owner, what=", ".join(dict.fromkeys(what)), other=other
                    ),
                    fix=SPANNING_FIX.format(owner=block.owner, other=other),
                )
            )
    return found


def _domain_labels() -> frozenset[str]:
    return frozenset(settings.DOMAINS)


def shared_tables(domain: str, *, user_model_without: str | None) -> list[Blocker]:
    """Relations between apps that stay here and the domain's tables.

    `user_model_without` is AUTH_USER_MODEL in the settings of a process that does not run
    the domain (None when unknown): when it names a model of another app, Django's own apps
    there refer to that model, not to the domain's.
    """
    if not apps.is_installed(f"{DOMAINS_PACKAGE}.{domain}"):
        return []
    found: list[Blocker] = []
    for model in apps.get_models():  # many-to-many tables are read through their field
        app = model._meta.app_label
        for field in model._meta.get_fields(include_hidden=False):
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            target = field.related_model
            target_app = target._meta.app_label
            if app not in KERNEL_APPS and target_app == domain:
                continue
            if app in KERNEL_APPS and target_app == domain:
                if user_model_without and user_model_without.partition(".")[0] != domain:
                    continue
                found.append(_shared_into(model, field, domain))
            elif app == domain and target_app in KERNEL_APPS:
                found.extend(_shared_out(model, field))
    return found


def _shared_into(model: type[models.Model], field: models.Field, domain: str) -> Blocker:
    return Blocker(
        kind=BlockerKind.SHARED_TABLE,
        where=_field_location(field),
        message=SHARED_INTO.format(
            model=model._meta.label,
            field=field.name,
            app=model._meta.app_config.name,
            target=field.related_model._meta.db_table,
            domain=domain,
        ),
        fix=SHARED_INTO_FIX.format(domain=domain, setting=USER_MODEL_SETTING.format(domain=domain)),
    )


def _shared_out(model: type[models.Model], field: models.Field) -> list[Blocker]:
    through = field.remote_field.through if isinstance(field, models.ManyToManyField) else None
    table_model = through or model
    using = router.db_for_read(table_model)
    if table_model._meta.db_table not in connections[using].introspection.table_names():
        return []
    queryset = table_model._default_manager.using(using)
    rows = queryset.count() if through else queryset.exclude(**{f"{field.name}__isnull": True}).count()
    if not rows:
        return []
    target = field.related_model
    return [
        Blocker(
            kind=BlockerKind.SHARED_TABLE,
            where=_field_location(field),
            message=SHARED_OUT.format(
                rows=rows,
                table=table_model._meta.db_table,
                model=model._meta.label,
                field=field.name,
                target=target._meta.db_table,
                app=target._meta.app_config.name,
            ),
            fix=SHARED_OUT_FIX.format(
                app=target._meta.app_config.name, table=table_model._meta.db_table, target=target._meta.db_table
            ),
        )
    ]


def _field_location(field: models.Field) -> Location:
    """Where a model field is declared: its model's module and the line of the assignment (or the class)."""
    model = field.model
    try:
        lines, start = inspect.getsourcelines(model)
        path = inspect.getsourcefile(model) or ""
    except (OSError, TypeError):
        return Location(path=model.__module__.replace(".", "/") + ".py", line=1)
    offset = next((i for i, text in enumerate(lines) if text.strip().startswith(f"{field.name} =")), 0)
    return Location(path=_relative(path, settings.BASE_DIR), line=start + offset)


def _relative(path: str, base: object) -> str:
    try:
        return Path(path).resolve().relative_to(Path(str(base)).resolve()).as_posix()
    except ValueError:
        return path
