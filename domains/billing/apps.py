from collections.abc import Iterable

from shared.boundaries.domains import DomainConfig


class BillingConfig(DomainConfig):
    default = True
    name = "domains.billing"
    label = "billing"
    verbose_name = "Billing"

    def services(self) -> Iterable[tuple[object, object]]:
        # Imported here: services import models, which exist only once apps are loaded.
        from domains.billing.interface import billing
        from domains.billing.services import BillingService

        return ((billing, BillingService()),)
