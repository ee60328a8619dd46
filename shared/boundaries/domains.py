"""Which installed apps are domains: every app whose module lives under `domains.`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.apps import AppConfig, apps
from django.db import models

from shared.interfaces.binding import bind_local

DOMAINS_PACKAGE = "domains"


def is_domain_app(app_config: AppConfig) -> bool:
    return app_config.name.startswith(f"{DOMAINS_PACKAGE}.")


def domain_apps() -> list[AppConfig]:
    return [app for app in apps.get_app_configs() if is_domain_app(app)]


def domain_tables() -> dict[str, str]:
    """Every table of a domain app, many-to-many tables included (lower case) -> its domain: the table guard's map."""
    return {
        model._meta.db_table.lower(): model._meta.app_label
        for model in apps.get_models(include_auto_created=True)
        if is_domain_app(model._meta.app_config)
    }


def domain_model_relations(
    model_classes: Iterable[type[models.Model]],
) -> Iterator[tuple[type[models.Model], models.Field, type[models.Model]]]:
    """(model, field, related model) for each relation a domain's model declares, resolved.

    Reverse and auto-created relations are left out: the side that declares a relation is
    the one that must change. An unresolved lazy relation is left to Django's own checks.
    """
    for model in model_classes:
        if not is_domain_app(model._meta.app_config):
            continue
        for field in model._meta.get_fields(include_hidden=False):
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            if isinstance(field.related_model, str):
                continue
            yield model, field, field.related_model  # type: ignore[misc]


def domain_of_label(app_label: str) -> str | None:
    """The domain an app label belongs to, or None for non-domain apps (Django, the kernel)."""
    try:
        app_config = apps.get_app_config(app_label)
    except LookupError:
        return None
    return app_config.label if is_domain_app(app_config) else None


class DomainConfig(AppConfig):
    """Base AppConfig of a domain app: binds the domain's service to its interface once per process.

    The binder (shared.interfaces.binding) decides how: as it is, or behind the wire
    loopback (INTERFACE_TRANSPORT=wire); and not at all when DOMAIN_PLACEMENT places the
    domain elsewhere (then a remote client serves the interface, and check modulith.E031
    reports the app installed by mistake).

    Django may call ready() again when a test builds an isolated app registry; the
    interface is already bound then, and binding twice is an error on purpose.

    Subclasses set `default = True`: apps.py imports this base too, and Django picks a
    module's AppConfig automatically only when exactly one class there is a default.
    (Forgetting it leaves the interface unbound, which check modulith.E003 reports.)
    """

    default = False
    default_auto_field = "django.db.models.BigAutoField"
    _interfaces_bound: bool = False

    def services(self) -> Iterable[tuple[object, object]]:
        """Each interface the domain serves with the service that implements it: ((catalog, CatalogService()),)."""
        raise NotImplementedError(f"{type(self).__qualname__} must implement services().")

    def ready(self) -> None:
        if type(self)._interfaces_bound:
            return
        for proxy, service in self.services():
            bind_local(proxy, service)
        type(self)._interfaces_bound = True
