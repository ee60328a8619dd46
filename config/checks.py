"""System checks of the composition root's own settings (registered in config.apps)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

TTL_NOT_ABOVE_TIMEOUT = (
    "CATALOG_RESERVATION_TTL_SECONDS ({ttl:g}) is not above ORDERS_CHECKOUT_TIMEOUT_SECONDS ({timeout:g}): "
    "the checkout sweep would stop checkouts that are still within their time, and their customers would "
    "be told to check out again."
)
TTL_NOT_ABOVE_TIMEOUT_HINT = (
    "Keep the reservation TTL well above the checkout timeout (defaults: 900 and 60), and the checkout "
    "timeout above your web server's request timeout."
)
NOT_POSITIVE = "{name} is {value!r}; it must be a number of seconds above 0."


def check_checkout_timings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """modulith.E030: the checkout's timeouts must nest (timeout < reservation TTL), all above 0."""
    problems = []
    for name in ("ORDERS_CHECKOUT_TIMEOUT_SECONDS", "CATALOG_RESERVATION_TTL_SECONDS", "CHECKOUT_SWEEP_SECONDS"):
        value = getattr(settings, name)
        if not value > 0:
            problems.append(checks.Error(NOT_POSITIVE.format(name=name, value=value), id="modulith.E030"))
    if problems:
        return problems
    ttl, timeout = settings.CATALOG_RESERVATION_TTL_SECONDS, settings.ORDERS_CHECKOUT_TIMEOUT_SECONDS
    if ttl <= timeout:
        message = TTL_NOT_ABOVE_TIMEOUT.format(ttl=ttl, timeout=timeout)
        problems.append(checks.Error(message, hint=TTL_NOT_ABOVE_TIMEOUT_HINT, id="modulith.E030"))
    return problems
