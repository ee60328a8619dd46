from django.apps import AppConfig


class CompositionRootConfig(AppConfig):
    """Lets the composition root own management commands that span domains (demo data, integrity)."""

    name = "config"
    label = "composition"
    verbose_name = "Composition root"
