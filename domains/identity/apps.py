from shared.boundaries.domains import DomainConfig
from shared.interfaces import registry


class IdentityConfig(DomainConfig):
    default = True
    name = "domains.identity"
    label = "identity"
    verbose_name = "Identity"

    def bind_interfaces(self) -> None:
        # Imported here: services import models, which exist only once apps are loaded.
        from domains.identity.interface import identity
        from domains.identity.services import IdentityService

        registry.bind(identity, IdentityService())
