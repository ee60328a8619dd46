from django.apps import AppConfig
from django.conf import settings

from shared.keyfiles import create_key_file
from shared.placement import current_placement
from shared.remote.binding import bind_remote_domains


class RemoteConfig(AppConfig):
    """Remote interfaces: clients of the domains placed elsewhere, the internal endpoint, the service registry."""

    name = "shared.remote"
    label = "remote"
    verbose_name = "Remote interfaces"
    _bound: bool = False

    def ready(self) -> None:
        if type(self)._bound:
            return  # Django may call ready() again when a test builds an isolated app registry
        if not settings.SERVICE_SIGNING_KEY and settings.SERVICE_KEY_FILE:
            # Development: one service key per checkout, made on first start and shared by every
            # process started from it, so they trust each other's calls.
            create_key_file(settings.SERVICE_KEY_FILE, algorithm="EdDSA")
        bind_remote_domains(current_placement())
        type(self)._bound = True
