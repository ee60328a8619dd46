from django.apps import AppConfig


class ExtractConfig(AppConfig):
    """The extraction tooling's commands (`manage.py extract ...`); it has no models."""

    name = "extract"
    label = "extract"
    verbose_name = "Extraction"
