from django.apps import AppConfig
from django.core import checks

from shared.boundaries.checks import (
    check_cross_domain_migrations,
    check_cross_domain_relations,
    check_interfaces,
    check_placement,
)
from shared.boundaries.domains import domain_tables
from shared.boundaries.orm_checks import check_kernel_relations, check_source_rules
from shared.db import guard
from shared.interfaces import registry
from shared.interfaces.binding import register_domain_interfaces
from shared.placement import current_placement


class BoundariesConfig(AppConfig):
    """The domain boundaries: every domain's interface registered, and the checks that hold the lines."""

    name = "shared.boundaries"
    label = "boundaries"
    verbose_name = "Domain boundaries"

    def ready(self) -> None:
        # Every domain's interface, wherever the domain runs, so that its errors and
        # events decode in this process too.
        register_domain_interfaces(current_placement(), registry)
        checks.register(check_cross_domain_relations, "modulith")
        checks.register(check_interfaces, "modulith")
        checks.register(check_cross_domain_migrations, "modulith")
        checks.register(check_placement, "modulith")
        checks.register(check_kernel_relations, "modulith")
        checks.register(check_source_rules, "modulith")
        checks.register(guard.check_guard_mode, "modulith")
        # SQL into another domain's tables, refused (or logged) on every connection while a domain's code runs.
        guard.install(domain_tables)
