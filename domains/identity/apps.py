from django.apps import AppConfig

from shared.interfaces import registry


class IdentityConfig(AppConfig):
    name = "domains.identity"
    label = "identity"
    verbose_name = "Identity"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from domains.identity.interface import identity
        from domains.identity.services import IdentityService

        registry.bind(identity, IdentityService())
