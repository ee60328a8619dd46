from django.apps import AppConfig


class ArchitectureConfig(AppConfig):
    name = "shared.architecture"
    label = "architecture"
    verbose_name = "Architecture"
