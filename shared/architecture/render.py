"""One description, three renderings: JSON (for tools), Mermaid (the page's picture), Graphviz DOT.

In both pictures a solid arrow is an import dependency (`cart --> catalog`: cart imports
catalog's interface, so it calls it), a dashed one an event flow (publisher to subscriber,
labelled with the events). Each node shows the domain and where it runs.
"""

from __future__ import annotations

import dataclasses
import json

from shared.architecture.description import Architecture

FORMATS = ("json", "mermaid", "dot")


def as_json(architecture: Architecture, **extra: object) -> str:
    return json.dumps({**dataclasses.asdict(architecture), **extra}, indent=2, default=str)


def short_event(wire_id: str) -> str:
    """'orders.OrderConfirmed.v1' -> 'OrderConfirmed'."""
    return wire_id.split(".")[1]


def as_mermaid(architecture: Architecture, *, on_click: str = "") -> str:
    """A Mermaid flowchart; `on_click`: a JavaScript function to call with a domain's name when its node is clicked."""
    lines = ["flowchart LR"]
    for domain in architecture.domains:
        lines.append(f'  {domain.name}["{domain.name}<br/><small>{domain.placement}</small>"]')
    for dependency in architecture.dependencies:
        lines.append(f"  {dependency.source} -->|imports| {dependency.target}")
    for flow in architecture.event_flows:
        events = ", ".join(short_event(e) for e in flow.events)
        lines.append(f'  {flow.publisher} -.->|"{events}"| {flow.subscriber}')
    if on_click:
        lines.extend(f'  click {d.name} call {on_click}("{d.name}")' for d in architecture.domains)
    return "\n".join(lines) + "\n"


def as_dot(architecture: Architecture) -> str:
    lines = ["digraph architecture {", "  rankdir=LR;", '  node [shape=box, style=rounded, fontname="sans-serif"];']
    for domain in architecture.domains:
        label = json.dumps(f"{domain.name}\n{domain.placement}")
        lines.append(f"  {domain.name} [label={label}];")
    for dependency in architecture.dependencies:
        lines.append(f'  {dependency.source} -> {dependency.target} [label="imports"];')
    for flow in architecture.event_flows:
        events = "\\n".join(short_event(e) for e in flow.events)
        lines.append(f'  {flow.publisher} -> {flow.subscriber} [style=dashed, label="{events}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(architecture: Architecture, output: str) -> str:
    return {"json": as_json, "mermaid": as_mermaid, "dot": as_dot}[output](architecture)
