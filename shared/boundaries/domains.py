"""Which installed apps are domains: every app whose module lives under `domains.`."""

from __future__ import annotations

from django.apps import AppConfig, apps

DOMAINS_PACKAGE = "domains"


def is_domain_app(app_config: AppConfig) -> bool:
    return app_config.name.startswith(f"{DOMAINS_PACKAGE}.")


def domain_apps() -> list[AppConfig]:
    return [app for app in apps.get_app_configs() if is_domain_app(app)]


def domain_of_label(app_label: str) -> str | None:
    """The domain an app label belongs to, or None for non-domain apps (Django, the kernel)."""
    try:
        app_config = apps.get_app_config(app_label)
    except LookupError:
        return None
    return app_config.label if is_domain_app(app_config) else None


class DomainConfig(AppConfig):
    """Base AppConfig of a domain app: binds the domain's interface once per process.

    Django may call ready() again when a test builds an isolated app registry; the
    interface is already bound then, and binding twice is an error on purpose.

    Subclasses set `default = True`: apps.py imports this base too, and Django picks a
    module's AppConfig automatically only when exactly one class there is a default.
    (Forgetting it leaves the interface unbound, which check modulith.E003 reports.)
    """

    default = False
    default_auto_field = "django.db.models.BigAutoField"
    _interfaces_bound: bool = False

    def bind_interfaces(self) -> None:
        """Bind the domain's interface(s) with registry.bind(...). Called once."""
        raise NotImplementedError(f"{type(self).__qualname__} must implement bind_interfaces().")

    def ready(self) -> None:
        if type(self)._interfaces_bound:
            return
        self.bind_interfaces()
        type(self)._interfaces_bound = True
