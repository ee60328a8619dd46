from django.apps import AppConfig

from shared.interfaces import registry


class ParcelsConfig(AppConfig):
    name = "tests.events.parcels"
    label = "parcels"
    verbose_name = "Parcels (event tests' publisher)"

    def ready(self) -> None:
        from tests.events.parcels.interface import parcels

        registry.register(parcels)
