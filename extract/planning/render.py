"""A plan as text for people (the default) or as JSON for tools."""

from __future__ import annotations

import json
from collections.abc import Sequence

from extract.planning.report import CallSite, Direction, Plan

READY = "ready: nothing blocks the split"
BLOCKED = "blocked: {count} blocker(s), each with its fix below"
MISSING_TABLE = "no table yet (run migrate)"
SUMMARY_COLUMNS = (
    "domain",
    "calls in",
    "calls out",
    "in loops",
    "events out",
    "events in",
    "tables",
    "rows",
    "settings",
    "blockers",
    "ready",
)


def as_json(plans: Sequence[Plan], *, single: bool) -> str:
    data = plans[0].as_json() if single else {"domains": [plan.as_json() for plan in plans]}
    return json.dumps(data, indent=2, sort_keys=False, default=str)


def as_text(plan: Plan) -> str:
    lines = [f"Extraction plan for {plan.domain}: {READY if plan.ready else BLOCKED.format(count=len(plan.blockers))}"]
    inbound = [call for call in plan.calls if call.direction is Direction.INBOUND]
    outbound = [call for call in plan.calls if call.direction is Direction.OUTBOUND]
    lines.append("")
    lines.append(
        f"Calls that become remote: {len(inbound)} into {plan.domain}, {len(outbound)} out of it, "
        f"{len(plan.calls_in_loops)} inside loops"
    )
    lines.extend(_call(call) for call in plan.calls)
    lines.append("")
    lines.append(f"Events across the boundary: {len(plan.events)}")
    for flow in plan.events:
        verb = "publishes" if flow.direction is Direction.OUTBOUND else "handles"
        lines.append(f"  {verb:<9} {flow.event:<40} subscriber {flow.subscriber}")
    lines.append("")
    lines.append(f"Tables that move: {len(plan.tables)}")
    for table in plan.tables:
        rows = MISSING_TABLE if table.rows is None else f"{table.rows} rows"
        which = "" if table.selection == "all" else f"  ({table.selection})"
        lines.append(f"  {table.table:<32} {rows}{which}")
    lines.append("")
    lines.append(f"Settings it reads: {len(plan.settings)}")
    for read in plan.settings:
        source = f"env {', '.join(read.environment)}" if read.environment else "no environment variable"
        places = ", ".join(str(where) for where in read.where)
        lines.append(f"  {read.setting:<34} {source:<40} {places}")
    lines.append("")
    lines.append(f"Blockers: {len(plan.blockers)}")
    for blocker in plan.blockers:
        lines.append(f"  [{blocker.kind}] {blocker.where}: {blocker.message}")
        lines.append(f"      fix: {blocker.fix}")
    return "\n".join(lines)


def _call(call: CallSite) -> str:
    loop = f"  (in a loop at line {call.loop.line})" if call.loop else ""
    route = f"{call.caller} -> {call.callee}.{call.operation}"
    return f"  {call.direction:<8} {route:<48} {call.where} in {call.function}{loop}"


def summary(plans: Sequence[Plan]) -> str:
    rows = [SUMMARY_COLUMNS]
    for plan in plans:
        moved = [table.rows for table in plan.tables if table.rows is not None]
        rows.append(
            (
                plan.domain,
                str(sum(call.direction is Direction.INBOUND for call in plan.calls)),
                str(sum(call.direction is Direction.OUTBOUND for call in plan.calls)),
                str(len(plan.calls_in_loops)),
                str(sum(flow.direction is Direction.OUTBOUND for flow in plan.events)),
                str(sum(flow.direction is Direction.INBOUND for flow in plan.events)),
                str(len(plan.tables)),
                str(sum(moved)),
                str(len(plan.settings)),
                str(len(plan.blockers)),
                "yes" if plan.ready else "no",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(SUMMARY_COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    blocked = [plan for plan in plans if not plan.ready]
    for plan in blocked:
        lines.append("")
        lines.append(f"{plan.domain}:")
        for blocker in plan.blockers:
            lines.append(f"  [{blocker.kind}] {blocker.where}: {blocker.message}")
            lines.append(f"      fix: {blocker.fix}")
    return "\n".join(lines)
