from domains.identity.access_tokens import current_issuer
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

    def ready(self) -> None:
        super().ready()
        # Identity signs the access tokens: an unreadable or missing signing key stops the
        # start here, with what to set, instead of failing the first login. In development
        # this generates the key on the first run.
        _ = current_issuer().keys.signing_key
