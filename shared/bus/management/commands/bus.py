"""Operate the event bus: see what is pending, failed or dead, replay it, run the sweep."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shared.bus.delivery import reset_for_replay
from shared.bus.models import Delivery, DeliveryStatus
from shared.bus.runtime import default_bus

REPLAYABLE = (DeliveryStatus.FAILED, DeliveryStatus.DEAD)
LISTED_BY_DEFAULT = (DeliveryStatus.PENDING, DeliveryStatus.PROCESSING, DeliveryStatus.FAILED, DeliveryStatus.DEAD)

UNKNOWN_DELIVERY = "No delivery with id {ids}. List deliveries with `manage.py bus list`."
NOT_REPLAYABLE = (
    "Delivery {id} is {status}; only failed or dead deliveries can be replayed "
    "(a done one would run its handler twice, a pending one is already on its way)."
)
REPLAY_NEEDS_TARGET = "Name the deliveries to replay (`bus replay 12 13`) or pass --all."


class Command(BaseCommand):
    help = "Inspect and operate event deliveries: list, show, replay, work."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{list,show,replay,work}")

        listing = actions.add_parser("list", help="List deliveries (by default everything not done).")
        listing.add_argument(
            "--status", action="append", choices=DeliveryStatus.values, help="Repeat to list several statuses."
        )
        listing.add_argument("--subscriber", help="Only deliveries to this subscriber id.")
        listing.add_argument("--limit", type=int, default=50, help="At most this many rows (default 50).")

        show = actions.add_parser("show", help="Show one delivery with its event and full last error.")
        show.add_argument("delivery_id", type=int)

        replay = actions.add_parser("replay", help="Give failed or dead deliveries a fresh set of attempts now.")
        replay.add_argument("delivery_ids", nargs="*", type=int, metavar="DELIVERY_ID")
        replay.add_argument("--all", action="store_true", help="Replay every failed and dead delivery.")
        replay.add_argument(
            "--status", action="append", choices=[s.value for s in REPLAYABLE], help="With --all: only this status."
        )

        work = actions.add_parser(
            "work",
            help=(
                "The sweep, in a loop: take back expired leases, then deliver what is due (in-process) "
                "or relay it to the broker (BUS_TRANSPORT=celery; celery beat does the same)."
            ),
        )
        work.add_argument("--once", action="store_true", help="Run a single sweep and exit.")
        work.add_argument("--interval", type=float, default=1.0, help="Seconds between sweeps (default 1).")
        work.add_argument("--batch", type=int, default=100, help="Deliveries per sweep (default 100).")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _list(self, options: dict[str, Any]) -> None:
        deliveries = Delivery.objects.select_related("event").filter(status__in=options["status"] or LISTED_BY_DEFAULT)
        if options["subscriber"]:
            deliveries = deliveries.filter(subscriber=options["subscriber"])
        rows = list(deliveries.order_by("id")[: options["limit"]])
        if not rows:
            self.stdout.write("No deliveries match.")
            return
        self.stdout.write(f"{'ID':>8}  {'STATUS':<10} {'TRIES':>5}  {'SUBSCRIBER':<36} {'EVENT':<34} LAST ERROR")
        for d in rows:
            last_line = d.last_error.strip().splitlines()[-1] if d.last_error.strip() else ""
            self.stdout.write(
                f"{d.id:>8}  {d.status:<10} {d.attempts:>5}  {d.subscriber:<36} "
                f"{d.event.name + '.v' + str(d.event.version):<34} {last_line[:80]}"
            )

    def _show(self, options: dict[str, Any]) -> None:
        try:
            d = Delivery.objects.select_related("event").get(id=options["delivery_id"])
        except Delivery.DoesNotExist:
            raise CommandError(UNKNOWN_DELIVERY.format(ids=options["delivery_id"])) from None
        for label, value in (
            ("delivery", d.id),
            ("subscriber", d.subscriber),
            ("status", d.status),
            ("attempts", d.attempts),
            ("next attempt", d.next_attempt_at.isoformat()),
            ("event", f"{d.event.name}.v{d.event.version} {d.event_id}"),
            ("correlation id", d.event.correlation_id or "-"),
            ("payload", d.event.payload),
        ):
            self.stdout.write(f"{label:>15}: {value}")
        if d.last_error:
            self.stdout.write(f"{'last error':>15}:\n{d.last_error}")

    def _replay(self, options: dict[str, Any]) -> None:
        ids: list[int] | None = options["delivery_ids"] or None
        if ids is None and not options["all"]:
            raise CommandError(REPLAY_NEEDS_TARGET)
        if ids is not None:
            found = dict(Delivery.objects.filter(id__in=ids).values_list("id", "status"))
            missing = sorted(set(ids) - found.keys())
            if missing:
                raise CommandError(UNKNOWN_DELIVERY.format(ids=", ".join(map(str, missing))))
            for delivery_id in ids:
                if found[delivery_id] not in REPLAYABLE:
                    raise CommandError(NOT_REPLAYABLE.format(id=delivery_id, status=found[delivery_id]))
        replayed = reset_for_replay(ids, statuses=options["status"] or REPLAYABLE)
        default_bus().transport.redeliver(replayed)
        statuses = dict(Delivery.objects.filter(id__in=replayed).values_list("id", "status"))
        self.stdout.write(f"Replayed {len(replayed)} deliveries.")
        for delivery_id in replayed:
            self.stdout.write(f"  {delivery_id}: {statuses[delivery_id]}")

    def _work(self, options: dict[str, Any]) -> None:
        transport = default_bus().transport
        while True:
            counts = transport.sweep(limit=options["batch"])
            if options["once"] or any(counts.values()):
                summary = ", ".join(f"{what}={n}" for what, n in counts.items() if n)
                self.stdout.write(f"sweep: {summary or 'nothing due'}")
            if options["once"]:
                return
            if sum(counts.values()) < options["batch"]:
                time.sleep(options["interval"])
