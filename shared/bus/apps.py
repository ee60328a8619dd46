from django.apps import AppConfig
from django.core import checks

from shared.bus.celery_checks import check_celery


class BusConfig(AppConfig):
    name = "shared.bus"
    label = "bus"
    verbose_name = "Event bus"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here because the check builds the bus, which needs the models loaded.
        from shared.bus.checks import check_placement, check_subscriptions

        checks.register(check_subscriptions, "modulith")
        checks.register(check_placement, "modulith")
        checks.register(check_celery, "modulith")
