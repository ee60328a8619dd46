"""Where every domain runs, the instances of each service and their health; and announcing an instance."""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType
from typing import Any

import redis
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shared.placement import AtUrls, ViaRegistry, current_placement, is_base_url
from shared.remote.binding import current_service_registry, local_announcer, service_client
from shared.remote.discovery import Registration
from shared.remote.health import check_health, health_url
from shared.remote.instances import CLOSED_STATE

REGISTRY_DOWN = "the service registry cannot be read ({error}); check SERVICE_REGISTRY_URL"
BAD_URL = "--url {url!r} is not a base URL such as http://10.0.0.5:8000 (http or https, a host, optionally a port)."
NOTHING_TO_ANNOUNCE = (
    "This process runs no domain (DOMAIN_PLACEMENT places all of them elsewhere), so there is nothing to announce."
)
ANNOUNCING = "Announcing {url} for {services} every {interval:g}s (health: {health}); Ctrl-C or SIGTERM deregisters."
DEREGISTERED = "Deregistered {url}."


class Command(BaseCommand):
    help = (
        "List services, their instances and health (the default), or announce this instance in the "
        "service registry: `services announce --url http://10.0.0.5:8000` (runs until stopped)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{list,announce}")
        actions.add_parser("list", help="Every domain: where it runs, its instances, their heartbeat and health.")
        announce = actions.add_parser(
            "announce",
            help="Register this instance for the domains it runs, heartbeat while healthy, deregister when stopped.",
        )
        announce.add_argument("--url", required=True, help="The base URL other services reach this instance at.")
        announce.add_argument("--health-url", default="", help="Default: <url>/healthz.")
        announce.add_argument("--version", default="", help="What to announce as version. Default: SERVICE_VERSION.")
        announce.add_argument("--interval", type=float, default=None, help="Seconds between heartbeats.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("action") == "announce":
            self.announce(options)
        else:
            self.list_services()

    # -- list ------------------------------------------------------------------------

    def list_services(self) -> None:
        placement = current_placement()
        rows: list[tuple[str, ...]] = []
        for domain in placement.domains:
            where = placement.where(domain)
            if isinstance(where, AtUrls):
                rows.extend(self._static_rows(domain, where))
            elif isinstance(where, ViaRegistry):
                rows.extend(self._registry_rows(domain))
            else:
                rows.append((domain, "here", "-", "-", "-", "-", "serving in this process"))
        self._table(("SERVICE", "PLACED", "INSTANCE", "VERSION", "HEARTBEAT", "CIRCUIT", "HEALTH"), rows)

    def _static_rows(self, domain: str, where: AtUrls) -> list[tuple[str, ...]]:
        client = service_client(domain)
        return [
            (domain, "url", url, "-", "-", client.pool.state(url), check_health(health_url(url)).detail)
            for url in where.urls
        ]

    def _registry_rows(self, domain: str) -> list[tuple[str, ...]]:
        try:
            registrations = current_service_registry().registrations(domain)
        except redis.RedisError as exc:
            return [(domain, "registry", "-", "-", "-", "-", REGISTRY_DOWN.format(error=exc))]
        if not registrations:
            return [(domain, "registry", "(none registered)", "-", "-", "-", "no live instance")]
        now = time.time()
        client = service_client(domain)
        return [self._registration_row(domain, registration, now, client.pool.state) for registration in registrations]

    @staticmethod
    def _registration_row(domain: str, registration: Registration, now: float, state: Any) -> tuple[str, ...]:
        instance = registration.instance
        age = f"{now - registration.heartbeat_at:.0f}s ago"
        if not registration.is_live(now):
            return (domain, "registry", instance.url, instance.version, f"{age} (expired)", "-", "not live")
        circuit = state(instance.url) if instance.url else CLOSED_STATE
        return (
            domain,
            "registry",
            instance.url,
            instance.version,
            age,
            circuit,
            check_health(instance.health_url).detail,
        )

    def _table(self, headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
        widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
        for row in [headers, *rows]:
            self.stdout.write(
                "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )

    # -- announce --------------------------------------------------------------------

    def announce(self, options: dict[str, Any]) -> None:
        url = options["url"].rstrip("/")
        if not is_base_url(url):
            raise CommandError(BAD_URL.format(url=url))
        if not current_placement().local_domains:
            raise CommandError(NOTHING_TO_ANNOUNCE)
        announcer = local_announcer(
            url, health_url=options["health_url"], version=options["version"], interval=options["interval"]
        )
        stopped = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            stopped.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        announcer.start()
        self.stdout.write(
            ANNOUNCING.format(
                url=url,
                services=", ".join(announcer.services),
                interval=announcer.interval,
                health=announcer.instance.health_url,
            )
        )
        stopped.wait()
        announcer.stop()
        self.stdout.write(DEREGISTERED.format(url=url))
