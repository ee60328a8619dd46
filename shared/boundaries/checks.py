"""Django system checks with ids modulith.E001-E004. Each says what to write instead.

E001  a model relation (ForeignKey, OneToOne, ManyToMany) points into another domain
E002  a domain's interface module exposes a model, queryset or manager
E003  a domain's interface is declared but nothing binds it
E004  a domain's migration depends on another domain's migration
E031  placement and installed apps disagree: a domain placed here is not installed, or one
      placed elsewhere is installed (its code would be active in two places)
E032  a remote placement's URL is not a usable base URL
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import types
import typing
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import models
from django.db.migrations.loader import MigrationLoader

from shared.boundaries.domains import (
    DOMAINS_PACKAGE,
    domain_apps,
    domain_model_relations,
    domain_of_label,
    is_domain_app,
)
from shared.interfaces import Interface
from shared.interfaces.binding import INTERFACE_MODULE
from shared.placement import Placement, current_placement

ORM_TYPES = (models.Model, models.QuerySet, models.Manager)

CROSS_DOMAIN_RELATION = "{model}.{field} is a {kind} to {target}, a model of domain {other!r}."
CROSS_DOMAIN_RELATION_HINT = (
    "Domains own their tables. Store the id instead ({field}_id = models.UUIDField(db_index=True)) "
    "and read what you need through domains.{other}.interface."
)
INTERFACE_EXPOSES_ORM = "{module} exposes {what} {type_name}, a Django ORM type."
INTERFACE_EXPOSES_ORM_HINT = (
    "Only DTOs cross a domain boundary. Return a frozen dataclass built from the model, "
    "and keep models and querysets private to the domain."
)
INTERFACE_UNBOUND = "Interface {name!r} declared in {module} is not bound to any implementation."
INTERFACE_UNBOUND_HINT = (
    "A domain's AppConfig binds its service (services() returns (({name}, {title}Service()),)) when "
    "DOMAIN_PLACEMENT runs it here; the kernel binds a remote client when it places it elsewhere."
)
CROSS_DOMAIN_MIGRATION = "Migration {app}.{migration} depends on {other_app}.{other_migration} of domain {other!r}."
CROSS_DOMAIN_MIGRATION_HINT = (
    "A domain's schema must migrate on its own (it will have its own database once "
    "extracted). Remove the dependency; reference the other domain by id."
)


# -- E001 -------------------------------------------------------------------------


def check_cross_domain_relations(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return relation_errors(apps.get_models(include_auto_created=False))


def relation_errors(model_classes: Iterable[type[models.Model]]) -> list[checks.CheckMessage]:
    """E001 for every relation field from a domain's model into another domain's model."""
    return [
        checks.Error(
            CROSS_DOMAIN_RELATION.format(
                model=model._meta.label,
                field=field.name,
                kind=type(field).__name__,
                target=target._meta.label,
                other=target._meta.app_config.label,
            ),
            hint=CROSS_DOMAIN_RELATION_HINT.format(field=field.name, other=target._meta.app_config.label),
            obj=field,
            id="modulith.E001",
        )
        for model, field, target in domain_model_relations(model_classes)
        if is_domain_app(target._meta.app_config) and target._meta.app_config is not model._meta.app_config
    ]


# -- E002 / E003 --------------------------------------------------------------------


def check_interfaces(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """E002 and E003 over every domain's interface module, whether the domain runs here or not."""
    errors: list[checks.CheckMessage] = []
    for domain in current_placement().domains:
        module_name = INTERFACE_MODULE.format(domain=domain)
        if importlib.util.find_spec(module_name) is None:
            continue
        errors.extend(interface_module_errors(importlib.import_module(module_name)))
    return errors


def interface_module_errors(module: types.ModuleType) -> list[checks.CheckMessage]:
    """E002 for ORM types an interface module exposes; E003 for interfaces left unbound."""
    errors: list[checks.CheckMessage] = []
    for name, value in vars(module).items():
        if name.startswith("__"):
            continue
        if isinstance(value, type) and issubclass(value, ORM_TYPES):
            errors.append(_exposes(module, "the name", f"{name} = {value.__module__}.{value.__qualname__}"))
        elif isinstance(value, type) and (dataclasses.is_dataclass(value) or getattr(value, "_is_protocol", False)):
            errors.extend(_exposes(module, f"in {value.__qualname__}", t) for t in _orm_types_in_class(value))
        elif isinstance(value, Interface) and value.target is None:
            errors.append(
                checks.Error(
                    INTERFACE_UNBOUND.format(name=value.meta.name, module=module.__name__),
                    hint=INTERFACE_UNBOUND_HINT.format(name=value.meta.name, title=value.meta.name.title()),
                    obj=module.__name__,
                    id="modulith.E003",
                )
            )
    return errors


def _exposes(module: types.ModuleType, what: str, type_name: str) -> checks.CheckMessage:
    return checks.Error(
        INTERFACE_EXPOSES_ORM.format(module=module.__name__, what=what, type_name=type_name),
        hint=INTERFACE_EXPOSES_ORM_HINT,
        obj=module.__name__,
        id="modulith.E002",
    )


def _orm_types_in_class(cls: type) -> list[str]:
    annotations: list[Any] = []
    try:
        if dataclasses.is_dataclass(cls):
            annotations.extend(typing.get_type_hints(cls).values())
        else:
            for member in vars(cls).values():
                if callable(member):
                    annotations.extend(typing.get_type_hints(member).values())
    except NameError as exc:  # an annotation names something the module does not import
        return [f"an unresolvable annotation ({exc})"]
    return sorted(
        {f"{t.__module__}.{t.__qualname__}" for a in annotations for t in _types_in(a) if issubclass(t, ORM_TYPES)}
    )


def _types_in(annotation: Any) -> Iterable[type]:
    if isinstance(annotation, type):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _types_in(arg)


# -- E031 / E032 -------------------------------------------------------------------

PLACED_HERE_NOT_INSTALLED = (
    "Domain {domain!r} runs here (DOMAIN_PLACEMENT does not place it elsewhere), but its app "
    "{app} is not in INSTALLED_APPS, so nothing serves its interface."
)
PLACED_HERE_NOT_INSTALLED_HINT = (
    "Install the app (config/settings.py installs every domain the placement runs here), or place the "
    "domain where it runs: DOMAIN_PLACEMENT={domain}=<base URL> or {domain}=registry."
)
PLACED_ELSEWHERE_INSTALLED = (
    "Domain {domain!r} is placed at {where} by DOMAIN_PLACEMENT, but its app {app} is installed here: its "
    "code (models, handlers, routes) would be active in two places."
)
PLACED_ELSEWHERE_INSTALLED_HINT = (
    "Remove {app} from INSTALLED_APPS (config/settings.py derives the domains it installs from "
    "DOMAIN_PLACEMENT), or run the domain here by leaving it out of DOMAIN_PLACEMENT."
)
UNPLACED_DOMAIN_APP = "{app} is a domain app, but {domain!r} is not among the deployment's domains ({domains})."
UNPLACED_DOMAIN_APP_HINT = "Add {domain!r} to DOMAINS in config/settings.py so the placement map knows where it runs."
BAD_PLACEMENT_HINT = "Fix DOMAIN_PLACEMENT in the environment (or .env); clients of the domain cannot reach it."


def check_placement(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    placement = current_placement()
    return placement_errors(
        placement,
        installed={app.label: app.name for app in domain_apps()},
        faked=frozenset(placement.domains) - frozenset(settings.INSTALLED_DOMAINS),
    )


def placement_errors(
    placement: Placement, *, installed: dict[str, str], faked: frozenset[str] = frozenset()
) -> list[checks.CheckMessage]:
    """E031 where the placement and the installed domain apps (label -> module) disagree; E032 for bad URLs.

    `faked` are the domains a test run leaves out on purpose (MODULITH_DOMAINS, a domain
    tested alone): fakes of their contracts serve them, so their absence is no disagreement.
    """
    errors: list[checks.CheckMessage] = []
    for domain in placement.domains:
        app = installed.get(domain, f"{DOMAINS_PACKAGE}.{domain}")
        if placement.is_local(domain) and domain not in installed and domain not in faked:
            errors.append(
                checks.Error(
                    PLACED_HERE_NOT_INSTALLED.format(domain=domain, app=app),
                    hint=PLACED_HERE_NOT_INSTALLED_HINT.format(domain=domain),
                    obj="DOMAIN_PLACEMENT",
                    id="modulith.E031",
                )
            )
        elif not placement.is_local(domain) and domain in installed:
            errors.append(
                checks.Error(
                    PLACED_ELSEWHERE_INSTALLED.format(domain=domain, where=placement.where(domain), app=app),
                    hint=PLACED_ELSEWHERE_INSTALLED_HINT.format(app=app),
                    obj="DOMAIN_PLACEMENT",
                    id="modulith.E031",
                )
            )
    errors.extend(
        checks.Error(
            UNPLACED_DOMAIN_APP.format(app=app, domain=label, domains=", ".join(placement.domains)),
            hint=UNPLACED_DOMAIN_APP_HINT.format(domain=label),
            obj="DOMAINS",
            id="modulith.E031",
        )
        for label, app in sorted(installed.items())
        if label not in placement.domains
    )
    errors.extend(
        checks.Error(problem, hint=BAD_PLACEMENT_HINT, obj="DOMAIN_PLACEMENT", id="modulith.E032")
        for problem in placement.problems()
    )
    return errors


# -- E004 -------------------------------------------------------------------------


def check_cross_domain_migrations(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return migration_errors(
        (key, loader.graph.node_map[key].parents) for key in loader.graph.nodes if domain_of_label(key[0])
    )


def migration_errors(edges: Iterable[tuple[tuple[str, str], Iterable[Any]]]) -> list[checks.CheckMessage]:
    """E004 for each (migration, parents) whose parent belongs to another domain."""
    errors: list[checks.CheckMessage] = []
    for (app_label, name), parents in edges:
        for parent in parents:
            other_label, other_name = parent.key if hasattr(parent, "key") else parent
            other = domain_of_label(other_label)
            if other is None or other_label == app_label:
                continue
            errors.append(
                checks.Error(
                    CROSS_DOMAIN_MIGRATION.format(
                        app=app_label, migration=name, other_app=other_label, other_migration=other_name, other=other
                    ),
                    hint=CROSS_DOMAIN_MIGRATION_HINT,
                    obj=f"{app_label}.{name}",
                    id="modulith.E004",
                )
            )
    return errors
