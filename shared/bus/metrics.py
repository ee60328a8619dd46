"""The outbox as Prometheus sees it, read from the database when /metrics is scraped.

    modulith_outbox_backlog{subscriber,status}                  pending, processing, failed, dead, unsent
    modulith_outbox_oldest_unfinished_age_seconds{subscriber}   now minus the oldest unfinished delivery's creation
    modulith_outbox_up                                          1, or 0 when the database could not be read

Read at scrape time rather than counted as deliveries change, because the database is
the truth for every process (web, workers, another host): whichever process answers
the scrape sees the same backlog. With DOMAIN_DATABASES, every database's deliveries are
read (each subscriber's are in its domain's database), and one that cannot be read makes
`modulith_outbox_up` 0. The query (shared.bus.stats) groups only the rows not
done, through the status index, so its cost follows the backlog, not the history.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from shared.bus.stats import backlog_in_every_database

logger = logging.getLogger(__name__)

STATUSES = ("pending", "processing", "failed", "dead", "unsent")


class OutboxCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        up = GaugeMetricFamily("modulith_outbox_up", "1 when the outbox backlog could be read from the database.")
        try:
            rows = backlog_in_every_database(now=now)
        except DatabaseError:
            logger.exception("bus.metrics.backlog_unreadable")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        backlog = GaugeMetricFamily(
            "modulith_outbox_backlog",
            "Deliveries not done, by subscriber and status (unsent: due and owed a message to the broker).",
            labels=("subscriber", "status"),
        )
        oldest = GaugeMetricFamily(
            "modulith_outbox_oldest_unfinished_age_seconds",
            "Seconds since the oldest pending, processing or failed delivery of a subscriber was published.",
            labels=("subscriber",),
        )
        for row in rows:
            for status in STATUSES:
                backlog.add_metric([row.subscriber, status], getattr(row, status))
            if row.oldest_unfinished_at is not None:
                oldest.add_metric([row.subscriber], max(0.0, (now - row.oldest_unfinished_at).total_seconds()))
        yield up
        yield backlog
        yield oldest

    def describe(self) -> list[Metric]:
        return []  # no query when registered; the metrics are known at scrape time
