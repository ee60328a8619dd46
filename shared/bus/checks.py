"""System checks of the bus wiring."""

from __future__ import annotations

from typing import Any

from django.core import checks

from shared.bus.runtime import default_bus


def check_subscriptions(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """modulith.E010: a subscription listens to an event that no interface declares."""
    return [
        checks.Error(
            problem,
            hint="Import the event from the publishing domain's interface and list it there in events=(...).",
            id="modulith.E010",
        )
        for problem in default_bus().undeclared_subscriptions()
    ]


def check_placement(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """modulith.E011: a subscription here listens to an event whose publisher runs nowhere in the placement."""
    return [
        checks.Error(
            problem,
            hint="A subscription must be reachable: its publisher installed here, or its service in the placement.",
            id="modulith.E011",
        )
        for problem in default_bus().unplaced_subscriptions()
    ]
