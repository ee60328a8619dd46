"""The event bus: an outbox written in the publisher's transaction, delivered after commit.

Publish from a service, inside its transaction:

    from shared.bus.runtime import publish
    publish(OrderPlaced(order_id=order.id, ...))

Subscribe in the domain's handlers.py (see shared.bus.subscriptions). Delivery is at
least once; every handler's effect happens once thanks to the inbox (shared.bus.models);
failures retry with backoff and end dead, visible and replayable with `manage.py bus`.

Across processes, the outbox is the log: each service serves it as an ordered feed
(shared.bus.feed, feed_view), and a subscriber elsewhere pulls it from its own cursor into
the inbox in its own database (shared.bus.puller, inbox); Redis only nudges (shared.bus.nudge).

Across domain databases in one process (DOMAIN_DATABASES), the same: each database has a
bus of its own (shared.bus.runtime.bus_for), and a subscriber whose domain's database is
not the publisher's pulls the publisher's outbox in process (shared.bus.database_feed).
"""
