"""Switches the tests flip and the probe's handlers obey. They live in Redis, outside every database transaction."""

from __future__ import annotations

import redis


class Switches:
    def __init__(self, *, redis_url: str, prefix: str) -> None:
        self._redis = redis.Redis.from_url(redis_url)
        self._prefix = f"{prefix}probe:"

    def _key(self, kind: str, token: str) -> str:
        return f"{self._prefix}{kind}:{token}"

    def hold(self, token: str) -> None:
        self._redis.set(self._key("hold", token), 1)

    def release(self, token: str) -> None:
        self._redis.delete(self._key("hold", token))

    def is_held(self, token: str) -> bool:
        return bool(self._redis.exists(self._key("hold", token)))

    def poison(self, token: str) -> None:
        self._redis.set(self._key("poison", token), 1)

    def cure(self, token: str) -> None:
        self._redis.delete(self._key("poison", token))

    def is_poisoned(self, token: str) -> bool:
        return bool(self._redis.exists(self._key("poison", token)))

    def note_run(self, token: str, pid: int) -> None:
        """A handler started for `token` in process `pid` (a list: one entry per run)."""
        self._redis.rpush(self._key("runs", token), pid)

    def runs(self, token: str) -> list[int]:
        return [int(pid) for pid in self._redis.lrange(self._key("runs", token), 0, -1)]

    def count_try(self, token: str) -> int:
        return int(self._redis.incr(self._key("tries", token)))
