"""The API toolkit's one table: the Idempotency-Key of each retried-safe request and its first response."""

from __future__ import annotations

from django.db import models


class IdempotencyKey(models.Model):
    """A caller's key, the request it was first sent with, and the response that request got.

    In flight while `response_status` is null. A retry may take the key over at once when
    the request's process is gone (its fence, see shared.fencing: a PostgreSQL session lock,
    or `holder` on SQLite), and in any case after `locked_until` (a process hung for good).
    """

    id = models.BigAutoField(primary_key=True)
    owner = models.CharField(max_length=100, help_text="Whose key: 'user:<id>'. Keys are scoped per caller.")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body.")
    endpoint = models.CharField(max_length=300, help_text="Method and path, for people reading the table.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    holder = models.CharField(
        max_length=200, blank=True, default="", help_text="The process running the request (host:pid:start)."
    )
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("owner", "key"), name="api_idempotency_key_once_per_owner"),
        ]

    def __str__(self) -> str:
        state = "in flight" if self.response_status is None else f"answered {self.response_status}"
        return f"{self.owner} {self.key!r} {self.endpoint} ({state})"

    @property
    def in_flight(self) -> bool:
        return self.response_status is None
