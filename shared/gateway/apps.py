from django.apps import AppConfig


class GatewayConfig(AppConfig):
    """The gateway as an app: its idempotency-key table and the command that purges it."""

    name = "shared.gateway"
    label = "gateway"
    verbose_name = "API gateway"
    default_auto_field = "django.db.models.BigAutoField"
