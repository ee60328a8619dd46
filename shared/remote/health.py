"""Asking an instance whether it is healthy: GET its health URL, which answers 200 when it serves."""

from __future__ import annotations

import dataclasses
import time

import httpx

HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT_SECONDS = 1.0


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Health:
    ok: bool
    detail: str
    """'ok (12 ms)', 'HTTP 500', 'unreachable (connection refused)'."""


def health_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}{HEALTH_PATH}"


def check_health(url: str, *, timeout: float = HEALTH_TIMEOUT_SECONDS) -> Health:
    started = time.monotonic()
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        return Health(ok=False, detail=f"unreachable ({type(exc).__name__}: {exc})")
    elapsed = (time.monotonic() - started) * 1000
    if response.status_code != 200:
        return Health(ok=False, detail=f"HTTP {response.status_code}")
    return Health(ok=True, detail=f"ok ({elapsed:.0f} ms)")
