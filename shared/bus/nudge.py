"""Nudges: "the feed of domain X moved", so a subscriber pulls at once instead of at its next sweep.

    publisher, after a commit that published an event of X:  PUBLISH <prefix>bus:feed-moved:X
    subscriber (`manage.py bus work`):  waits on those channels between sweeps; a nudge ends the wait

Redis pub/sub loses a message whenever nobody listens at that instant, or Redis restarts;
that is why it carries no event, only the news that there is one. A lost nudge costs a
subscriber at most one sweep interval (BUS_SWEEP_SECONDS), after which it pulls anyway;
the events themselves are read from the publisher's outbox. With BUS_NUDGE_REDIS_URL
unset, nothing is sent and subscribers pull on their sweep alone.

A publisher never waits long for a nudge: one try, with a 1 s connect and reply timeout,
after its transaction has committed; a failure is logged and forgotten.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import redis

logger = logging.getLogger(__name__)

CHANNEL = "{prefix}bus:feed-moved:{domain}"
TIMEOUT_SECONDS = 1.0


def channel(prefix: str, domain: str) -> str:
    return CHANNEL.format(prefix=prefix, domain=domain)


class Nudger:
    """Tells listeners that a domain's feed moved."""

    def __init__(self, *, redis_url: str, prefix: str) -> None:
        self._client = redis.Redis.from_url(
            redis_url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
        )
        self._prefix = prefix

    def nudge(self, domain: str) -> None:
        try:
            self._client.publish(channel(self._prefix, domain), "moved")
        except redis.RedisError:
            logger.warning("bus.nudge_failed", exc_info=True, extra={"domain": domain})


class NudgeListener:
    """Waits for a nudge about any of some domains' feeds."""

    def __init__(self, *, redis_url: str, prefix: str, domains: Iterable[str]) -> None:
        self._client = redis.Redis.from_url(redis_url, socket_connect_timeout=TIMEOUT_SECONDS)
        self._channels = [channel(prefix, domain) for domain in sorted(set(domains))]
        self._pubsub: redis.client.PubSub | None = None

    def wait(self, timeout: float) -> bool:
        """True as soon as a nudge arrives; False after `timeout` seconds without one (or without Redis)."""
        try:
            if self._pubsub is None:
                self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                self._pubsub.subscribe(*self._channels)
            return self._pubsub.get_message(timeout=timeout) is not None
        except redis.RedisError:
            logger.warning("bus.nudge_listener_failed", exc_info=True)
            self.close()
            return False

    def close(self) -> None:
        if self._pubsub is not None:
            self._pubsub.close()
            self._pubsub = None
