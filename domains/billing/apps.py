from shared.boundaries.domains import DomainConfig
from shared.interfaces import registry


class BillingConfig(DomainConfig):
    default = True
    name = "domains.billing"
    label = "billing"
    verbose_name = "Billing"

    def bind_interfaces(self) -> None:
        # Imported here: services import models, which exist only once apps are loaded.
        from domains.billing.interface import billing
        from domains.billing.services import BillingService

        registry.bind(billing, BillingService())
