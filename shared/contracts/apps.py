from django.apps import AppConfig


class ContractsConfig(AppConfig):
    """Installs `manage.py contracts` (check and record each domain's contract)."""

    name = "shared.contracts"
    label = "contracts"
    verbose_name = "Domain contracts"
