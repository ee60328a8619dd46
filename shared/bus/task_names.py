"""Names of the bus's Celery tasks. Queued messages carry them: keep them stable, like event names."""

DELIVER_TASK = "bus.deliver"
"""Run one delivery through the Deliverer: `bus.deliver(delivery_id=42)`."""
SWEEP_TASK = "bus.sweep"
"""Take back expired leases and relay whatever is owed a message (celery beat sends it)."""
