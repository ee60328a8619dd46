from collections.abc import Iterable

from shared.boundaries.domains import DomainConfig


class NotificationsConfig(DomainConfig):
    default = True
    name = "domains.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def services(self) -> Iterable[tuple[object, object]]:
        # Imported here: services import models, which exist only once apps are loaded.
        from domains.notifications.interface import notifications
        from domains.notifications.services import NotificationsService

        return ((notifications, NotificationsService()),)
