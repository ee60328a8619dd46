"""Reading another service's feed over HTTP.

    GET <feed URL>?after=N&limit=M&events=orders.OrderPlaced.v1,...


The request carries the feed token (BUS_FEED_TOKEN, `Authorization: Bearer ...`). A
feed that cannot be read raises FeedUnavailableError, saying which feed and why; the
puller logs it and tries again at the next pull, with its cursor where it was: nothing
is lost while a publisher is down.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

import httpx

from shared.bus.envelope import FeedPage, decode_page

FEED_UNAVAILABLE = "Feed {url} could not be read: {problem}. The next pull tries again from the same position."


class FeedUnavailableError(Exception):
    pass


def events_parameter(wanted: Mapping[str, Set[int]]) -> str:
    """`{"orders.OrderPlaced": {1, 2}}` as 'orders.OrderPlaced.v1,orders.OrderPlaced.v2'."""
    return ",".join(f"{name}.v{version}" for name in sorted(wanted) for version in sorted(wanted[name]))


class HttpFeed:
    """A feed served by another process (shared.bus.feed_view), read with httpx."""

    def __init__(self, *, url: str, token: str, timeout: float = 10.0, client: httpx.Client | None = None) -> None:
        self.name = url
        self._url = url
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = client or httpx.Client(timeout=timeout)

    def read(self, *, after: int, limit: int, wanted: Mapping[str, Set[int]]) -> FeedPage:
        params = {"after": str(after), "limit": str(limit), "events": events_parameter(wanted)}
        try:
            response = self._client.get(self._url, params=params, headers=self._headers)
        except httpx.HTTPError as exc:
            raise FeedUnavailableError(FEED_UNAVAILABLE.format(url=self._url, problem=exc)) from exc
        if response.status_code != httpx.codes.OK:
            problem = f"HTTP {response.status_code}: {response.text[:500]}"
            raise FeedUnavailableError(FEED_UNAVAILABLE.format(url=self._url, problem=problem))
        try:
            return decode_page(response.content)
        except ValueError as exc:
            raise FeedUnavailableError(FEED_UNAVAILABLE.format(url=self._url, problem=exc)) from exc
