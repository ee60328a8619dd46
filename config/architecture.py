"""Extraction readiness on the architecture page, judged by the extraction planner (extract.planning).

Wiring: the page (shared.architecture) knows no planner; the composition root plugs this
one in (config/apps.py), turning a Plan into what the page shows: ready or blocked, each
blocker with its fix and place, and notes on what the split would put on the network.
"""

from __future__ import annotations

from extract.planning import Plan, UnknownDomainError, plan
from shared.architecture.description import Readiness
from shared.architecture.readiness import boundary_readiness

PLANNER = "extraction planner (manage.py extract plan)"
BLOCKER = "{message} Fix: {fix} ({where})"
CALLS = "{count} interface calls would cross the boundary over the network{loops}."
IN_LOOPS = ", {count} of them inside loops (one round trip per item)"
EVENTS = "{count} event flows would cross: {events}."
TABLES = "Tables that move: {tables}."


def planned_readiness(domain: str) -> Readiness:
    try:
        found = plan(domain)
    except UnknownDomainError:
        return boundary_readiness(domain)  # a domain this deployment does not run: the checks still judge it
    return readiness_of(found)


def readiness_of(found: Plan) -> Readiness:
    notes = []
    if found.calls:
        loops = IN_LOOPS.format(count=len(found.calls_in_loops)) if found.calls_in_loops else ""
        notes.append(CALLS.format(count=len(found.calls), loops=loops))
    if found.events:
        events = ", ".join(sorted({flow.event for flow in found.events}))
        notes.append(EVENTS.format(count=len(found.events), events=events))
    if found.tables:
        notes.append(TABLES.format(tables=", ".join(table.table for table in found.tables)))
    return Readiness(
        ready=found.ready,
        blockers=tuple(BLOCKER.format(message=b.message, fix=b.fix, where=b.where) for b in found.blockers),
        notes=tuple(notes),
        source=PLANNER,
    )
