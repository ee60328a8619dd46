from django.apps import AppConfig
from django.core import checks

from config.checks import check_checkout_timings


class CompositionRootConfig(AppConfig):
    """Lets the composition root own management commands that span domains (demo data, integrity)."""

    name = "config"
    label = "composition"
    verbose_name = "Composition root"

    def ready(self) -> None:
        checks.register(check_checkout_timings, "modulith")
