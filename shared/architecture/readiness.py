"""Could a domain leave the process today? The hook the extraction planner plugs into, and the judgement until it does.

    assess(domain)                 what the page and `manage.py architecture` show for a domain
    use_assessor(planner)          the composition root plugs a better judge in: config/apps.py
                                   plugs the extraction planner's (config/architecture.py); it
                                   takes a domain name and returns a Readiness

Without one the judge is `boundary_readiness`: what the machines that hold the boundaries
already know (a service carrying the kernel without the extraction tooling sees this). It
blocks on the project's own system checks that name the domain (model
relations into another domain, ORM types in its interface, migrations that depend on
another domain: `manage.py check`), and on imports of another domain's private modules in
either direction (`lint-imports` fails on those too). It notes, without blocking, what a
split would turn into network traffic: the domains it calls, the domains calling it, and
the events that would cross.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import grimp
from django.core import checks

from shared.architecture.description import Readiness
from shared.architecture.survey import counts_as_code, dependencies, domain_of_module, event_flows, import_graph
from shared.bus.runtime import default_bus

BOUNDARY_CHECKS = "boundary checks (no extraction planner is plugged in)"
PRIVATE_IMPORT = "{importer} imports {imported}, which is private to {owner}: import domains.{owner}.interface instead."
CALLS = "Calls to {domains} would become remote calls."
CALLED_BY = "{domains} would call it over the network."
PUBLISHES = "Its events {events} would cross to {domains}."
HANDLES = "It handles {events} from {domains}, which would arrive over the broker."

Assessor = Callable[[str], Readiness]


def boundary_readiness(domain: str) -> Readiness:
    blockers = [*_check_errors(domain), *private_imports(import_graph(), domain)]
    flows = event_flows(default_bus().router)
    depends = dependencies(import_graph(), subscribed={(f.subscriber, f.publisher) for f in flows})
    notes = []
    calls = sorted({d.target for d in depends if d.source == domain})
    callers = sorted({d.source for d in depends if d.target == domain})
    if calls:
        notes.append(CALLS.format(domains=", ".join(calls)))
    if callers:
        notes.append(CALLED_BY.format(domains=", ".join(callers)))
    out = [f for f in flows if f.publisher == domain and f.subscriber != domain]
    into = [f for f in flows if f.subscriber == domain and f.publisher != domain]
    if out:
        events = sorted({e for f in out for e in f.events})
        notes.append(PUBLISHES.format(events=", ".join(events), domains=", ".join(sorted({f.subscriber for f in out}))))
    if into:
        events = sorted({e for f in into for e in f.events})
        notes.append(HANDLES.format(events=", ".join(events), domains=", ".join(sorted({f.publisher for f in into}))))
    return Readiness(ready=not blockers, blockers=tuple(blockers), notes=tuple(notes), source=BOUNDARY_CHECKS)


def _check_errors(domain: str) -> list[str]:
    return [f"{message.id}: {message.msg}" for message in _boundary_errors() if _concerns(message.obj, domain)]


@functools.cache
def _boundary_errors() -> tuple[checks.CheckMessage, ...]:
    """The boundary checks' errors (E001-E004), run once per process: they judge the code, which does not change."""
    return tuple(
        message
        for message in checks.run_checks(tags=["modulith"])
        if message.is_serious() and str(message.id).startswith("modulith.E00")
    )


def _concerns(obj: object, domain: str) -> bool:
    model = getattr(obj, "model", None)
    if model is not None:
        return model._meta.app_label == domain
    text = str(obj)
    return text.startswith((f"domains.{domain}.", f"{domain}."))


def private_imports(graph: grimp.ImportGraph, domain: str) -> list[str]:
    """Imports of another domain's modules other than its interface, by or of `domain`."""
    found = []
    for importer in sorted(graph.modules):
        source = domain_of_module(importer)
        if source is None or not counts_as_code(importer):
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            owner = domain_of_module(imported)
            if owner is None or owner == source or domain not in (source, owner):
                continue
            if imported.split(".")[2:3] != ["interface"] and imported != f"domains.{owner}":
                found.append(PRIVATE_IMPORT.format(importer=importer, imported=imported, owner=owner))
    return found


_assessor: Assessor = boundary_readiness


def use_assessor(assessor: Assessor) -> Assessor:
    """Judge readiness with `assessor` from now on (config/apps.py plugs the planner in); returns the previous one."""
    global _assessor
    previous, _assessor = _assessor, assessor
    return previous


def assess(domain: str) -> Readiness:
    return _assessor(domain)
