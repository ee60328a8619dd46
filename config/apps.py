from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings
from django.core import checks

from config.checks import check_checkout_timings
from config.statement_count import count_statements
from domains.billing.interface import billing
from domains.cart.interface import cart
from domains.catalog.interface import catalog
from domains.identity.interface import identity
from domains.notifications.interface import notifications
from domains.orders.interface import orders
from shared.interfaces import registry

DOMAIN_INTERFACES = (identity, catalog, cart, orders, billing, notifications)


class CompositionRootConfig(AppConfig):
    """Lets the composition root own management commands that span domains (demo data, integrity)."""

    name = "config"
    label = "composition"
    verbose_name = "Composition root"

    def ready(self) -> None:
        checks.register(check_checkout_timings, "modulith")
        if settings.STATEMENT_COUNT_DIR:  # benchmarks only (config/statement_count.py)
            count_statements(Path(settings.STATEMENT_COUNT_DIR), process=settings.SERVICE_NAME)
        # Every domain's interface is known in every process, wherever its code runs (a service
        # written by `extract service` runs one domain): its events and errors decode here, and
        # subscriptions to its events pass modulith.E010.
        for proxy in DOMAIN_INTERFACES:
            registry.register(proxy)
        # The architecture page shows extraction readiness as the extraction planner judges it, where
        # the planner is (a service written by `extract service` has none; the boundary checks judge there).
        # Imported here: the planner imports models, which exist only once apps are loaded.
        if apps.is_installed("extract"):
            from config.architecture import planned_readiness
            from shared.architecture import readiness

            readiness.use_assessor(planned_readiness)
