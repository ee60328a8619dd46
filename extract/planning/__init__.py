"""The extraction planner: what splitting a domain out of the monolith touches, and what blocks it.

    plan("orders")          Plan of one domain
    make_plans()            Plans of every domain, from one reading of the source
    Plan.ready              True when nothing blocks the split (the architecture page shows it)

`manage.py extract plan <domain>|--all [--format json]` prints them.
"""

from extract.planning.planner import UnknownDomainError, make_plans, plan
from extract.planning.report import (
    Blocker,
    BlockerKind,
    CallSite,
    Direction,
    EventFlow,
    Location,
    Plan,
    SettingRead,
    TableMove,
)

__all__ = [
    "Blocker",
    "BlockerKind",
    "CallSite",
    "Direction",
    "EventFlow",
    "Location",
    "Plan",
    "SettingRead",
    "TableMove",
    "UnknownDomainError",
    "make_plans",
    "plan",
]
