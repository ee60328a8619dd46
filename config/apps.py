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
        # The architecture page shows extraction readiness as the extraction planner judges it.
        # Imported here: the planner imports models, which exist only once apps are loaded.
        from config.architecture import planned_readiness
        from shared.architecture import readiness

        readiness.use_assessor(planned_readiness)
