"""The probe's events. Nothing calls the probe; it only listens."""

from __future__ import annotations

from typing import Protocol

from shared.events import event
from shared.interfaces import declare_interface


@event("probe.Stepped", version=1, key="stream")
class Stepped:
    """One step of an ordered stream; its handler fails the first `fail_times` tries."""

    run: str
    stream: str
    seq: int
    fail_times: int = 0


@event("probe.Held", version=1)
class Held:
    """Its handler blocks while the test holds `token`, so that a test can kill it mid-handler."""

    token: str


@event("probe.Poisoned", version=1)
class Poisoned:
    """Its handler fails while the test keeps `token` poisoned."""

    token: str


@event("probe.Doomed", version=1)
class Doomed:
    """Its handler SIGKILLs the pool process running it, every time (as an OOM kill or a segfault would)."""

    token: str


class ProbeApi(Protocol):
    pass


probe: ProbeApi = declare_interface("probe", ProbeApi, events=(Stepped, Held, Poisoned, Doomed))
