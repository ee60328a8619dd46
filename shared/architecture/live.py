"""The live side of the architecture page: headline numbers per domain (health comes from shared.observability.health).

The numbers come from the same registry a Prometheus scrape reads (shared.observability.
exposition), so the page and the dashboards never disagree: calls into each domain since
this process (or, in multiprocess mode, its siblings) started, the share that failed, their
mean latency; requests to its routes; its subscribers' backlog and dead letters.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence

from prometheus_client.registry import Collector

from shared.observability.exposition import scrape_registry


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Headline:
    calls: int
    errors: int
    mean_latency_ms: float | None
    requests: int
    backlog: int
    dead: int


def headlines(domains: Iterable[str], *, collectors: Sequence[Collector] = ()) -> dict[str, Headline]:
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for family in scrape_registry(collectors).collect():
        for sample in family.samples:
            labels, name = sample.labels, sample.name
            if name == "modulith_interface_calls_total":
                totals[labels["domain"]]["calls"] += sample.value
                if labels["outcome"] == "error":
                    totals[labels["domain"]]["errors"] += sample.value
            elif name == "modulith_interface_call_duration_seconds_sum":
                totals[labels["domain"]]["seconds"] += sample.value
            elif name == "modulith_http_requests_total" and ":" in labels["route"]:
                totals[labels["route"].split(":", 1)[0]]["requests"] += sample.value
            elif name == "modulith_outbox_backlog" and labels["status"] != "unsent":
                key = "dead" if labels["status"] == "dead" else "backlog"
                totals[labels["subscriber"].split(".", 1)[0]][key] += sample.value
    return {domain: _headline(totals[domain]) for domain in domains}


def _headline(totals: dict[str, float]) -> Headline:
    calls = int(totals["calls"])
    return Headline(
        calls=calls,
        errors=int(totals["errors"]),
        mean_latency_ms=round(totals["seconds"] / calls * 1000, 3) if calls else None,
        requests=int(totals["requests"]),
        backlog=int(totals["backlog"]),
        dead=int(totals["dead"]),
    )
