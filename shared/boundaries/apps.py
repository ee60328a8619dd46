from django.apps import AppConfig
from django.core import checks

from shared.boundaries.checks import (
    check_cross_domain_migrations,
    check_cross_domain_relations,
    check_interfaces,
)


class BoundariesConfig(AppConfig):
    name = "shared.boundaries"
    label = "boundaries"
    verbose_name = "Domain boundaries"

    def ready(self) -> None:
        checks.register(check_cross_domain_relations, "modulith")
        checks.register(check_interfaces, "modulith")
        checks.register(check_cross_domain_migrations, "modulith")
