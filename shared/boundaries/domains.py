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
