from django.apps import AppConfig
from django.core import checks

from shared.db.checks import check_domain_databases, check_domain_transactions


class DatabasesConfig(AppConfig):
    """A database per domain: the DOMAIN_DATABASES checks (the router and atomic need no app)."""

    name = "shared.db"
    label = "databases"
    verbose_name = "Databases per domain"

    def ready(self) -> None:
        checks.register(check_domain_databases, "modulith")
        checks.register(check_domain_transactions, "modulith")
