"""Survey the running code: the registered interfaces, the subscriptions, and the imports between domains.

    survey(registry=..., router=..., placement=..., readiness=...)  ->  Architecture

- domains and their operations, events and errors: the interfaces registered in this
  process (shared.interfaces.registry);
- dependencies: imports of one domain's modules by another's, read from the source by
  grimp (the graph import-linter checks), outside the tests; imports a handler makes only
  to receive the events it subscribes to are drawn as event flows instead;
- event flows: the subscriptions of the bus (shared.bus.subscriptions), publisher to subscriber;
- placement and readiness: functions the caller passes (where each domain runs; whether it
  could leave), so that the extraction tooling can bring its own judgement.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable

import grimp

from shared.architecture.description import Architecture, Dependency, Domain, EventFlow, Operation, Readiness
from shared.boundaries.domains import DOMAINS_PACKAGE
from shared.bus.subscriptions import Subscription
from shared.events import event_meta
from shared.interfaces import Interface, Registry

NOT_IN_THE_GRAPH = ("tests", "migrations")
"""Modules of a domain that do not count as its dependencies: they never run in production."""
HANDLERS_MODULE = "handlers"


@functools.cache
def import_graph() -> grimp.ImportGraph:
    """The import graph of the domains package (built once per process: the code does not change while it runs)."""
    return grimp.build_graph(DOMAINS_PACKAGE, cache_dir=None)


def domain_of_module(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != DOMAINS_PACKAGE:
        return None
    return parts[1]


def counts_as_code(module: str) -> bool:
    parts = module.split(".")
    return len(parts) < 3 or parts[2] not in NOT_IN_THE_GRAPH


def survey(
    *,
    registry: Registry,
    router: Iterable[Subscription],
    placement: Callable[[str], str],
    readiness: Callable[[str], Readiness],
) -> Architecture:
    interfaces = [i for i in registry.interfaces() if i.meta.protocol.__module__.startswith(f"{DOMAINS_PACKAGE}.")]
    flows = event_flows(router)
    return Architecture(
        domains=tuple(_domain(i, placement=placement, readiness=readiness) for i in interfaces),
        dependencies=dependencies(import_graph(), subscribed={(f.subscriber, f.publisher) for f in flows}),
        event_flows=flows,
    )


def _domain(interface: Interface, *, placement: Callable[[str], str], readiness: Callable[[str], Readiness]) -> Domain:
    meta = interface.meta
    module = sys.modules.get(meta.protocol.__module__)
    return Domain(
        name=meta.name,
        summary=_first_paragraph(module.__doc__ if module else ""),
        operations=tuple(
            Operation(
                name=name,
                signature=_signature(function),
                summary=_first_paragraph(function.__doc__),
                idempotent=meta.is_idempotent(name),
            )
            for name, function in sorted(meta.operations.items())
        ),
        publishes=tuple(sorted(event_meta(event).wire_id for event in meta.events)),
        errors=tuple(sorted({str(error.code) for error in meta.errors})),
        placement=placement(meta.name),
        readiness=readiness(meta.name),
    )


def dependencies(graph: grimp.ImportGraph, *, subscribed: set[tuple[str, str]]) -> tuple[Dependency, ...]:
    """Domain-to-domain imports; a handlers module's import of a domain it subscribes to is an event flow, not this."""
    modules: dict[tuple[str, str], set[str]] = defaultdict(set)
    for importer in graph.modules:
        source = domain_of_module(importer)
        if source is None or not counts_as_code(importer):
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = domain_of_module(imported)
            if target is None or target == source:
                continue
            if importer.split(".")[2:3] == [HANDLERS_MODULE] and (source, target) in subscribed:
                continue
            modules[(source, target)].add(importer)
    return tuple(
        Dependency(source=source, target=target, modules=tuple(sorted(found)))
        for (source, target), found in sorted(modules.items())
    )


def event_flows(router: Iterable[Subscription]) -> tuple[EventFlow, ...]:
    flows: dict[tuple[str, str], tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for subscription in router:
        publisher = event_meta(subscription.event).name.split(".", 1)[0]
        subscriber = subscription.id.split(".", 1)[0]
        events, ids = flows[(publisher, subscriber)]
        events.add(subscription.wire_id)
        ids.add(subscription.id)
    return tuple(
        EventFlow(
            publisher=publisher, subscriber=subscriber, events=tuple(sorted(events)), subscriptions=tuple(sorted(ids))
        )
        for (publisher, subscriber), (events, ids) in sorted(flows.items())
    )


def _first_paragraph(text: str | None) -> str:
    """The docstring's first paragraph on one line (a sentence may wrap in the source)."""
    paragraph = inspect.cleandoc(text or "").split("\n\n", 1)[0]
    return " ".join(paragraph.split())


def _signature(function: Callable[..., object]) -> str:
    """`(*, product_id: UUID) -> ProductDTO`, as written in the Protocol (annotations unresolved)."""
    signature = inspect.signature(function, eval_str=False)
    parameters = list(signature.parameters.values())[1:]  # without self
    shown = []
    for index, parameter in enumerate(parameters):
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and (
            index == 0 or parameters[index - 1].kind is not inspect.Parameter.KEYWORD_ONLY
        ):
            shown.append("*")
        annotation = parameter.annotation if parameter.annotation is not inspect.Parameter.empty else "?"
        default = "" if parameter.default is inspect.Parameter.empty else f" = {parameter.default!r}"
        shown.append(f"{parameter.name}: {annotation}{default}")
    returns = signature.return_annotation if signature.return_annotation is not inspect.Signature.empty else "?"
    return f"({', '.join(shown)}) -> {returns}"  # fmt: skip
