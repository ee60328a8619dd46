from django.apps import AppConfig

from shared.interfaces import registry


class ProbeConfig(AppConfig):
    name = "tests.reliability.probe"
    label = "probe"
    verbose_name = "Reliability probe (tests only)"

    def ready(self) -> None:
        from tests.reliability.probe.interface import probe

        registry.register(probe)
