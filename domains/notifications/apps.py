from shared.boundaries.domains import DomainConfig
from shared.interfaces import registry


class NotificationsConfig(DomainConfig):
    default = True
    name = "domains.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def bind_interfaces(self) -> None:
        # Imported here: services import models, which exist only once apps are loaded.
        from domains.notifications.interface import notifications
        from domains.notifications.services import NotificationsService

        registry.bind(notifications, NotificationsService())
