"""The bus: publish inside your transaction, handlers run after it commits."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable
from functools import partial

from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from shared import wire
from shared.bus.config import BusSettings
from shared.bus.database_feed import DatabaseFeed
from shared.bus.delivery import Deliverer
from shared.bus.feed_client import FeedUnavailableError, HttpFeed
from shared.bus.inbox import Inbox
from shared.bus.nudge import Nudger
from shared.bus.outbox import BirthClaim, EventRecord, OutboxWriter, Published
from shared.bus.placement import FeedPlacement, domain_of, feeds, remote_domains, runs_here
from shared.bus.puller import FeedSource, Puller
from shared.bus.subscriptions import Router, Subscription
from shared.bus.transport import ClaimingTransport, InProcessTransport, Transport
from shared.correlation import current_correlation_id
from shared.db import database_aliases, database_for
from shared.events import event_meta, ordering_key
from shared.interfaces import Registry
from shared.observability.metrics import EVENTS_PUBLISHED

logger = logging.getLogger(__name__)

EVENT_NOT_DECLARED = (
    "Cannot publish {wire_id}: no registered interface declares it. Add {type_name} to "
    "events=(...) in the declare_interface() call of domain {domain!r}."
)
EVENT_NOT_ON_THE_WIRE = (
    "Cannot publish {wire_id}: {problem}. Give each field a value of its declared type; "
    "handlers rebuild the event from those types, so a value that does not fit could never be delivered."
)
SUBSCRIPTION_TO_UNDECLARED_EVENT = (
    "Subscription {id!r} listens to {wire_id}, which no registered interface declares. "
    "Subscribe only to events listed in another domain's interface."
)
SUBSCRIPTION_TO_UNPUBLISHED_VERSION = (
    "Subscription {id!r} listens to {name} v{version}, but its publisher declares {name} only at {versions} "
    "and no downcast to v{version}. Subscribe to a published version, or have the publisher declare "
    "downcasts={{{version}: ...}} on its newest version."
)
SUBSCRIPTION_WITHOUT_PUBLISHER = (
    "Subscription {id!r} listens to {wire_id}, but domain {domain!r}, which publishes it, runs nowhere in "
    "the placement: it is not installed here and DOMAIN_PLACEMENT places it at no service's URL. Its "
    "events would never arrive. Install the domain or add {domain}=<its service's base URL>."
)


class Bus:
    """Writes events to the outbox in the caller's transaction and delivers them after commit.

    One bus per database alias: the bus on alias A writes the events of the domains whose
    database is A into A's outbox, with deliveries for the subscribers whose database is A.
    A subscriber in another database B receives through B's bus, which pulls A's outbox as a
    feed in process (shared.bus.database_feed) right after the publishing transaction
    commits and on every sweep. `on(alias)` gives the bus of another alias, wired the same;
    with one database, "default" is the only one and nothing is pulled.
    """

    def __init__(
        self,
        *,
        registry: Registry,
        router: Router,
        transport: Callable[[Deliverer], Transport] = InProcessTransport,
        settings: Callable[[], BusSettings] = BusSettings.from_django,
        clock: Callable[[], dt.datetime] = timezone.now,
        feed_source: Callable[[FeedPlacement], FeedSource] | None = None,
        nudger: Nudger | None = None,
        using: str = DEFAULT_DB_ALIAS,
        siblings: dict[str, Bus] | None = None,
    ) -> None:
        self._wiring = {
            "registry": registry,
            "router": router,
            "transport": transport,
            "settings": settings,
            "clock": clock,
            "feed_source": feed_source,
            "nudger": nudger,
        }
        self._siblings = siblings if siblings is not None else {}
        self._siblings.setdefault(using, self)
        self.registry = registry
        self.router = router
        self.deliverer = Deliverer(registry=registry, router=router, settings=settings, clock=clock, using=using)
        self.transport = transport(self.deliverer)
        self._birth_claim = (
            self.transport.birth_claim if isinstance(self.transport, ClaimingTransport) else BirthClaim.NONE
        )
        self._outbox = OutboxWriter()
        self._using = using
        self._clock = clock
        self._settings = settings
        self._feed_source = feed_source or _http_feed
        self._sources: dict[FeedPlacement, FeedSource] = {}
        self.nudger = nudger
        self.puller = Puller(
            inbox=Inbox(using=using, clock=clock), hand_off=self._hand_off_received, page_size=settings().feed_page
        )
        self._database_feeds: dict[str, DatabaseFeed] = {}

    @property
    def using(self) -> str:
        """The database alias whose bus tables this bus writes."""
        return self._using

    def on(self, alias: str) -> Bus:
        """The bus of database `alias`, wired as this one (built on first use; this bus for its own alias)."""
        bus = self._siblings.get(alias)
        if bus is None:
            bus = Bus(**self._wiring, using=alias, siblings=self._siblings)  # type: ignore[arg-type]
        return bus

    def undeclared_subscriptions(self) -> list[str]:
        """Subscriptions to an event name or version that no interface publishes (check modulith.E010)."""
        problems = []
        for subscription in self.router:
            versions = self.published_versions(subscription.name)
            if not versions:
                problems.append(
                    SUBSCRIPTION_TO_UNDECLARED_EVENT.format(id=subscription.id, wire_id=subscription.wire_id)
                )
            elif subscription.version not in versions:
                problems.append(
                    SUBSCRIPTION_TO_UNPUBLISHED_VERSION.format(
                        id=subscription.id,
                        name=subscription.name,
                        version=subscription.version,
                        versions=", ".join(f"v{v}" for v in sorted(versions)),
                    )
                )
        return problems

    def unplaced_subscriptions(self) -> list[str]:
        """Subscriptions, run here, whose publishing domain runs nowhere in the placement (check modulith.E011)."""
        remote = remote_domains()
        return [
            SUBSCRIPTION_WITHOUT_PUBLISHER.format(
                id=subscription.id, wire_id=subscription.wire_id, domain=domain_of(subscription.name)
            )
            for subscription in self.router
            if domain_of(subscription.id) not in remote
            and domain_of(subscription.name) not in remote
            and not runs_here(domain_of(subscription.name))
        ]

    def published_versions(self, name: str) -> frozenset[int]:
        """Every version of event `name` a subscriber can receive: declared ones and their downcasts."""
        metas = (event_meta(cls) for cls in self.registry.event_types().values())
        return frozenset(v for meta in metas if meta.name == name for v in meta.versions)

    def local_subscriptions(self, subscriptions: Iterable[Subscription]) -> list[Subscription]:
        """Those of `subscriptions` whose subscriber runs in this process (a remote one pulls the feed itself)."""
        remote = remote_domains()
        return [s for s in subscriptions if domain_of(s.id) not in remote]

    def own_subscriptions(self, subscriptions: Iterable[Subscription]) -> list[Subscription]:
        """Those local `subscriptions` whose subscriber's domain keeps its inbox in this bus's database."""
        return [s for s in self.local_subscriptions(subscriptions) if database_for(domain_of(s.id)) == self._using]

    def publish(self, event: object) -> uuid.UUID:
        """Store `event` with one delivery per local subscriber; hand it to the transport once the transaction commits.

        The event row is the outbox entry other processes read (shared.bus.feed): a
        subscriber running elsewhere pulls it from there, so no row is written for it here.

        Inside `transaction.atomic()` the rows are part of the caller's transaction: a
        rollback leaves no trace and delivers nothing. Outside one, the event commits at
        once. The in-process transport then runs the handlers before this returns; the
        Celery transport sends the deliveries to the broker, and a worker runs them. Handler
        failures and an unreachable broker never reach the publisher: the rows stay pending
        and the sweep (`manage.py bus work`, or Celery beat) retries them.
        """
        meta = event_meta(event)
        publisher_database = database_for(domain_of(meta.name))
        if publisher_database != self._using:
            return self.on(publisher_database).publish(event)
        if self.registry.event_type(meta.name, meta.version) is not type(event):
            raise TypeError(
                EVENT_NOT_DECLARED.format(
                    wire_id=meta.wire_id, type_name=type(event).__qualname__, domain=meta.name.split(".")[0]
                )
            )
        payload = self._payload(event, wire_id=meta.wire_id)
        now = self._clock()
        record = EventRecord(
            id=uuid.uuid4(),
            name=meta.name,
            version=meta.version,
            key=ordering_key(event) or "",
            payload=payload,
            correlation_id=current_correlation_id(),
        )
        local = self.local_subscriptions(self.router.for_event(meta))
        subscribers = [s.id for s in local if database_for(domain_of(s.id)) == self._using]
        pullers = sorted({database_for(domain_of(s.id)) for s in local} - {self._using})
        settings = self._settings()
        # No savepoint of its own inside the caller's transaction: a failed write fails the caller's use case.
        with transaction.atomic(using=self._using, savepoint=False):
            written = self._outbox.write(
                record,
                occurred_at=now,
                subscribers=subscribers,
                claim=self._birth_claim,
                lease_until=now + settings.lease,
                relay_lease_until=now + settings.relay_resend,
                using=self._using,
            )
            if written:
                published = Published(event=record, deliveries=written, using=self._using)
                transaction.on_commit(partial(self._hand_off, published), using=self._using)
            if pullers:
                # Subscribers in other databases take the event in now, so that with the in-process
                # transport their handlers have run too once the publisher's transaction has committed.
                transaction.on_commit(partial(self._pull_into, pullers), using=self._using)
            transaction.on_commit(EVENTS_PUBLISHED.labels(meta.name).inc, using=self._using)
            if self.nudger is not None:
                transaction.on_commit(partial(self.nudger.nudge, domain_of(meta.name)), using=self._using)
        return record.id

    def pull_feeds(self) -> dict[str, int]:
        """Take in what other services' feeds hold for the subscribers running here; events received, by feed.

        A feed that cannot be read is logged and counted 0: its cursors stay, and the
        next pull resumes from them.
        """
        local = self.own_subscriptions(self.router)
        received: dict[str, int] = {}
        remote = remote_domains()
        for alias in sorted({database_for(domain_of(s.name)) for s in local if domain_of(s.name) not in remote}):
            if alias != self._using:
                received[self._database_feed(alias).name] = self.pull_database(alias)
        for placement in feeds():
            subscriptions = [s for s in local if domain_of(s.name) in placement.domains]
            if not subscriptions:
                continue
            source = self._sources.get(placement)
            if source is None:
                source = self._sources[placement] = self._feed_source(placement)
            try:
                received[placement.name] = self.puller.pull(source, subscriptions)
            except FeedUnavailableError:
                logger.warning("bus.feed_unavailable", exc_info=True, extra={"feed": placement.name})
                received[placement.name] = 0
        return received

    def pull_database(self, alias: str) -> int:
        """Take in what the outbox of database `alias` (this process's) holds for this database's subscribers."""
        remote = remote_domains()
        subscriptions = [
            s
            for s in self.own_subscriptions(self.router)
            if database_for(domain_of(s.name)) == alias and domain_of(s.name) not in remote
        ]
        if not subscriptions:
            return 0
        return self.puller.pull(self._database_feed(alias), subscriptions)

    def _database_feed(self, alias: str) -> DatabaseFeed:
        feed = self._database_feeds.get(alias)
        if feed is None:
            feed = self._database_feeds[alias] = DatabaseFeed(alias=alias, registry=self.registry)
        return feed

    def _pull_into(self, aliases: Iterable[str]) -> None:
        """After commit: the buses of `aliases` pull this database's outbox; a failure waits for the sweep."""
        for alias in aliases:
            try:
                self.on(alias).pull_database(self._using)
            except Exception:
                # The event is committed here and each subscriber's cursor stayed where it was:
                # the next sweep of `alias` (manage.py bus work, the bus.sweep task) takes it in.
                logger.exception("bus.pull_failed", extra={"feed": self._using, "database": alias})

    def sweep(self, *, limit: int) -> dict[str, int]:
        """The periodic catch-up: pull the feeds, then the transport's sweep (retries, leases, resends)."""
        received = sum(self.pull_feeds().values())
        return {**self.transport.sweep(limit=limit), "received": received}

    def sweep_every_database(self, *, limit: int) -> dict[str, int]:
        """The sweep of the bus of every database alias of the shop (shared.db.database_aliases), counts summed."""
        counts: dict[str, int] = {}
        for alias in database_aliases():
            for what, n in self.on(alias).sweep(limit=limit).items():
                counts[what] = counts.get(what, 0) + n
        return counts

    @staticmethod
    def _payload(event: object, *, wire_id: str) -> object:
        """The event as stored, refused now if a handler could not rebuild it.

        Dataclasses do not check field types, so `ProductPriceChanged(product_id="x")`
        constructs; stored as is, it would fail to decode on every attempt until dead.
        """
        payload = wire.to_primitive(event)
        try:
            wire.from_primitive(payload, type(event))
        except wire.WireFormatError as exc:
            raise TypeError(EVENT_NOT_ON_THE_WIRE.format(wire_id=wire_id, problem=exc)) from None
        return payload

    def _hand_off_received(self, event_id: uuid.UUID) -> None:
        """Hand on an event taken in from another service's feed (its deliveries were written pending)."""
        try:
            self.transport.after_commit(event_id)
        except Exception:
            logger.exception("bus.hand_off_failed", extra={"event_id": str(event_id)})

    def _hand_off(self, published: Published) -> None:
        try:
            if isinstance(self.transport, ClaimingTransport):
                self.transport.run_claimed(published)
            else:
                self.transport.after_commit(published.event.id)
        except Exception:
            # The rows are committed; the sweep (manage.py bus work) will deliver them, those
            # born claimed once their lease runs out.
            logger.exception("bus.hand_off_failed", extra={"event_id": str(published.event.id)})


def _http_feed(placement: FeedPlacement) -> FeedSource:
    return HttpFeed(url=placement.url, token=django_settings.BUS_FEED_TOKEN)
