from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The API toolkit as an app: its idempotency-key table, the command that purges it, the docs page template."""

    name = "shared.api"
    label = "api"
    verbose_name = "API toolkit"
    default_auto_field = "django.db.models.BigAutoField"
