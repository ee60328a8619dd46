"""Operate the event bus: see the backlog and what is failed or dead, replay it, run the sweep.

With DOMAIN_DATABASES every domain's database holds bus tables of its own: `stats`, `list`,
`feeds`, `work`, `prune` and `replay --all` act on every database (or on the one named with
--database); `show` and `replay ID` act on one, "default" unless named, since each database
numbers its deliveries itself. `list` and `feeds` name each row's database whether there is
one or several, so their output reads the same (and scripts over it work) when a domain
moves into a database of its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shared.bus.delivery import reset_for_replay
from shared.bus.models import REPLAYABLE, Delivery, DeliveryStatus, EventOrigin, FeedCursor, StoredEvent
from shared.bus.retention import prune
from shared.bus.runtime import bus_for, nudge_listener, sweep_every_database
from shared.bus.sequencer import head
from shared.bus.stats import backlog_by_subscriber, backlog_in_every_database
from shared.db import database_aliases

LISTED_BY_DEFAULT = (DeliveryStatus.PENDING, DeliveryStatus.PROCESSING, DeliveryStatus.FAILED, DeliveryStatus.DEAD)

UNKNOWN_DELIVERY = (
    "No delivery with id {ids} in database {database!r}. List deliveries with `manage.py bus list`; "
    "name the database of one listed under another with --database."
)
UNKNOWN_DATABASE = "{value!r} is no database alias of this shop. Name one of: {aliases}."
NOT_REPLAYABLE = (
    "Delivery {id} is {status}; only failed or dead deliveries can be replayed "
    "(a done one would run its handler twice, a pending one is already on its way)."
)
NO_CURSORS = (
    "No feed cursors: no subscriber here has pulled another service's feed or another database's outbox "
    "(DOMAIN_PLACEMENT places no domain at another service's URL and DOMAIN_DATABASES gives no domain "
    "a database of its own, or no sweep has run yet)."
)
NOT_A_DURATION = (
    "{value!r} is not an age to prune at. Write a whole number and a unit (s, m, h or d), such as 7d, 12h or 90m."
)
REPLAY_NEEDS_TARGET = "Name the deliveries to replay (`bus replay 12 13`) or pass --all."
NOT_A_COUNT = "{value!r} is not a whole number of at least 1, such as 50."
NOT_SECONDS = "{value!r} is not a number of seconds above 0, such as 2 or 0.5."


def database(value: str) -> str:
    """An argparse type: a database alias whose bus tables to act on."""
    if value not in database_aliases():
        raise argparse.ArgumentTypeError(UNKNOWN_DATABASE.format(value=value, aliases=", ".join(database_aliases())))
    return value


def count(value: str) -> int:
    """An argparse type: a positive integer (0 rows or a batch of 0 would make no progress)."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(NOT_A_COUNT.format(value=value))
    return number


DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def age(value: str) -> dt.timedelta:
    """An argparse type: a positive age such as 7d, 12h, 90m or 30s."""
    number, unit = value.strip()[:-1], value.strip()[-1:].lower()
    if unit not in DURATION_UNITS or not number.isdigit() or int(number) < 1:
        raise argparse.ArgumentTypeError(NOT_A_DURATION.format(value=value))
    return dt.timedelta(**{DURATION_UNITS[unit]: int(number)})


def seconds(value: str) -> float:
    """An argparse type: a finite duration above 0 (0 would sweep in a busy loop)."""
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not (math.isfinite(number) and number > 0):
        raise argparse.ArgumentTypeError(NOT_SECONDS.format(value=value))
    return number


class Command(BaseCommand):
    help = "Inspect and operate event deliveries: stats, list, show, replay, feeds, work, prune."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{stats,list,show,replay,feeds,work,prune}"
        )

        stats = actions.add_parser(
            "stats",
            help=(
                "Backlog per subscriber: pending, processing, failed (retrying) and dead deliveries, "
                "those not yet sent to the broker, and the age of the oldest unfinished one."
            ),
        )

        listing = actions.add_parser("list", help="List deliveries (by default everything not done).")
        listing.add_argument(
            "--status", action="append", choices=DeliveryStatus.values, help="Repeat to list several statuses."
        )
        listing.add_argument("--subscriber", help="Only deliveries to this subscriber id.")
        listing.add_argument("--limit", type=count, default=50, help="At most this many rows (default 50).")

        show = actions.add_parser("show", help="Show one delivery with its event and full last error.")
        show.add_argument("delivery_id", type=int)
        show.add_argument(
            "--database", type=database, default="default", help="The database alias it is in (default: default)."
        )

        replay = actions.add_parser("replay", help="Give failed or dead deliveries a fresh set of attempts now.")
        replay.add_argument("delivery_ids", nargs="*", type=int, metavar="DELIVERY_ID")
        replay.add_argument("--all", action="store_true", help="Replay every failed and dead delivery.")
        replay.add_argument(
            "--status", action="append", choices=[s.value for s in REPLAYABLE], help="With --all: only this status."
        )
        replay.add_argument(
            "--database",
            type=database,
            help="The database alias of the deliveries (with ids: default unless named; with --all: every one).",
        )

        feeds = actions.add_parser(
            "feeds",
            help=(
                "Each database's outbox (its last position, and events not yet given one) and, for every "
                "feed pulled here (another service's, or another database's outbox: database:<alias>), each "
                "subscriber's cursor, the database it is in and when it last moved."
            ),
        )

        work = actions.add_parser(
            "work",
            help=(
                "The sweep, in a loop: take back expired leases, then deliver what is due (in-process) "
                "or relay it to the broker (BUS_TRANSPORT=celery; celery beat does the same)."
            ),
        )
        work.add_argument("--once", action="store_true", help="Run a single sweep and exit.")
        work.add_argument("--interval", type=seconds, default=1.0, help="Seconds between sweeps (default 1).")
        work.add_argument("--batch", type=count, default=100, help="Deliveries per sweep (default 100).")

        prune = actions.add_parser(
            "prune",
            help=(
                "Delete done deliveries (with --dead, dead ones too) finished longer ago than --older-than, "
                "then the events left without deliveries, in batches. Pending, processing and failed "
                "deliveries are never deleted. Events are this service's feed: keep them longer than any "
                "subscriber service may stay down."
            ),
        )
        prune.add_argument(
            "--older-than", type=age, required=True, help="Age of the rows to delete: 7d, 12h, 90m or 30s."
        )
        prune.add_argument("--dead", action="store_true", help="Delete dead deliveries too (nobody will replay them).")
        prune.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")
        prune.add_argument("--batch", type=count, default=1000, help="Rows per DELETE and transaction (default 1000).")
        for every in (stats, listing, feeds, prune):
            every.add_argument("--database", type=database, help="Only this database alias (default: every one).")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _stats(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        if options["database"]:
            rows = backlog_by_subscriber(now=now, using=options["database"])
        else:
            rows = backlog_in_every_database(now=now)
        if not rows:
            self.stdout.write("No backlog: every delivery is done.")
            return
        counts = ("pending", "processing", "failed", "dead", "unsent")
        widths = [len(c) + 2 for c in counts]

        def line(label: str, values: list[object], age: str = "") -> str:
            cells = "".join(f"{value:>{width}}" for value, width in zip(values, widths, strict=True))
            return f"{label:<36}{cells}  {age}".rstrip()

        self.stdout.write(line("SUBSCRIBER", [c.upper() for c in counts], "OLDEST UNFINISHED"))
        for row in rows:
            age = "-" if row.oldest_unfinished_at is None else _age(now - row.oldest_unfinished_at)
            self.stdout.write(line(row.subscriber, [getattr(row, c) for c in counts], age))
        totals = [sum(getattr(row, c) for row in rows) for c in counts]
        self.stdout.write(line("total", totals))
        if totals[counts.index("dead")]:
            self.stdout.write(
                "Dead deliveries need a decision: `bus list --status dead`, `bus show ID`, `bus replay ID`."
            )

    def _feeds(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        aliases = _aliases(options)
        cursors = []
        for alias in aliases:
            unstamped = StoredEvent.objects.using(alias).filter(origin=EventOrigin.LOCAL, position__isnull=True).count()
            self.stdout.write(
                f"Outbox of database {alias!r}: last position {head(using=alias)}, "
                f"{unstamped} events not yet given a position."
            )
            cursors += list(FeedCursor.objects.using(alias).order_by("feed", "subscriber"))
        if not cursors:
            self.stdout.write(NO_CURSORS)
            return
        self.stdout.write(f"{'FEED':<44} {'SUBSCRIBER':<44} {'DATABASE':<14} {'POSITION':>9}  MOVED")
        for cursor in cursors:
            self.stdout.write(
                f"{cursor.feed:<44} {cursor.subscriber:<44} {cursor._state.db:<14} {cursor.position:>9}  "
                f"{_age(now - cursor.updated_at)} ago"
            )

    def _list(self, options: dict[str, Any]) -> None:
        rows: list[Delivery] = []
        for alias in _aliases(options):
            deliveries = (
                Delivery.objects.using(alias)
                .select_related("event")
                .filter(status__in=options["status"] or LISTED_BY_DEFAULT)
            )
            if options["subscriber"]:
                deliveries = deliveries.filter(subscriber=options["subscriber"])
            rows += list(deliveries.order_by("id")[: options["limit"] - len(rows)])
            if len(rows) >= options["limit"]:
                break
        if not rows:
            self.stdout.write("No deliveries match.")
            return
        # Each database numbers its deliveries itself: each row says where it is (what show/replay take as
        # --database), with one database too, so that the output reads the same whatever DOMAIN_DATABASES says.
        self.stdout.write(
            f"{'ID':>8}  {'STATUS':<10} {'TRIES':>5}  {'SUBSCRIBER':<36} {'EVENT':<34} {'DATABASE':<14} LAST ERROR"
        )
        for d in rows:
            last_line = d.last_error.strip().splitlines()[-1] if d.last_error.strip() else ""
            self.stdout.write(
                f"{d.id:>8}  {d.status:<10} {d.attempts:>5}  {d.subscriber:<36} "
                f"{d.event.name + '.v' + str(d.event.version):<34} {d._state.db:<14} {last_line[:80]}"
            )

    def _show(self, options: dict[str, Any]) -> None:
        alias = options["database"]
        try:
            d = Delivery.objects.using(alias).select_related("event").get(id=options["delivery_id"])
        except Delivery.DoesNotExist:
            raise CommandError(UNKNOWN_DELIVERY.format(ids=options["delivery_id"], database=alias)) from None
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
            alias = options["database"] or "default"
            found = dict(Delivery.objects.using(alias).filter(id__in=ids).values_list("id", "status"))
            missing = sorted(set(ids) - found.keys())
            if missing:
                raise CommandError(UNKNOWN_DELIVERY.format(ids=", ".join(map(str, missing)), database=alias))
            for delivery_id in ids:
                if found[delivery_id] not in REPLAYABLE:
                    raise CommandError(NOT_REPLAYABLE.format(id=delivery_id, status=found[delivery_id]))
        aliases = [options["database"] or "default"] if ids is not None else _aliases(options)
        replayed_by_database = {}
        for alias in aliases:
            bus = bus_for(alias)
            replayed = reset_for_replay(
                ids, statuses=options["status"] or REPLAYABLE, now=bus.deliverer.clock(), using=alias
            )
            bus.transport.redeliver(replayed)
            replayed_by_database[alias] = replayed
        self.stdout.write(f"Replayed {sum(map(len, replayed_by_database.values()))} deliveries.")
        for alias, replayed in replayed_by_database.items():
            statuses = dict(Delivery.objects.using(alias).filter(id__in=replayed).values_list("id", "status"))
            where = f" (database {alias})" if alias != "default" else ""
            for delivery_id in replayed:
                self.stdout.write(f"  {delivery_id}: {statuses[delivery_id]}{where}")

    def _work(self, options: dict[str, Any]) -> None:
        listener = nudge_listener()
        while True:
            counts = sweep_every_database(limit=options["batch"])
            if options["once"] or any(counts.values()):
                summary = ", ".join(f"{what}={n}" for what, n in counts.items() if n)
                self.stdout.write(f"sweep: {summary or 'nothing due'}")
            if options["once"]:
                return
            if sum(counts.values()) < options["batch"]:
                # A nudge (another service's feed moved) ends the wait early; see shared.bus.nudge.
                if listener is None:
                    time.sleep(options["interval"])
                else:
                    listener.wait(options["interval"])

    def _prune(self, options: dict[str, Any]) -> None:
        before = timezone.now() - options["older_than"]
        statuses = [DeliveryStatus.DONE, DeliveryStatus.DEAD] if options["dead"] else [DeliveryStatus.DONE]
        deliveries = events = 0
        for alias in _aliases(options):
            pruned = prune(
                before=before, statuses=statuses, batch=options["batch"], dry_run=options["dry_run"], using=alias
            )
            deliveries, events = deliveries + pruned.deliveries, events + pruned.events
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(
            f"{verb} {deliveries} {' and '.join(statuses)} deliveries and {events} events "
            f"older than {before.isoformat(timespec='seconds')}."
        )


def _aliases(options: dict[str, Any]) -> tuple[str, ...]:
    """The database named with --database, or every one."""
    return (options["database"],) if options.get("database") else database_aliases()


def _age(age: dt.timedelta) -> str:
    """3s, 4m12s, 2h03m, 3d04h: enough to tell a hiccup from an outage."""
    seconds = max(0, int(age.total_seconds()))
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if days:
        return f"{days}d{hours % 24:02d}h"
    if hours:
        return f"{hours}h{minutes % 60:02d}m"
    if minutes:
        return f"{minutes}m{seconds % 60:02d}s"
    return f"{seconds}s"
