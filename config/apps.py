from django.apps import AppConfig
from django.core import checks

from config.checks import check_checkout_timings
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
        # Every domain's interface is known in every process, wherever its code runs (a service
        # written by `extract service` runs one domain): its events and errors decode here, and
        # subscriptions to its events pass modulith.E010.
        for proxy in DOMAIN_INTERFACES:
            registry.register(proxy)
