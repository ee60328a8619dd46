from django.apps import AppConfig
from django.conf import settings

from shared.interfaces import observation


class ObservabilityConfig(AppConfig):
    name = "shared.observability"
    label = "observability"
    verbose_name = "Observability"

    def ready(self) -> None:
        # Before the domains bind their interfaces (they come later in INSTALLED_APPS):
        # only proxies bound while measuring is on are measured.
        if settings.METRICS_ENABLED:
            observation.enable()
