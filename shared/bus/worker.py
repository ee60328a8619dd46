"""The Celery worker every process of the shop runs its bus on when BUS_TRANSPORT=celery.

The composition root makes the app (config/celery.py calls `create_app()`); a service
extracted from the monolith does the same with the same kernel, and gets the same worker:

    celery -A config worker --loglevel=INFO       # runs handlers (as many as you like)
    celery -A config beat --loglevel=INFO         # the periodic sweep: exactly one per deployment
                                                  # (or `python manage.py bus work` instead of beat)

Workers run the same handler functions as the in-process transport. They find them the
same way: the bus is built from every installed app's handlers.SUBSCRIPTIONS (in the
worker's main process, before the pool forks; shared.bus.tasks), and the bus's tasks
are found by autodiscovery. Domain code does not know which transport runs it.

Delivery is at least once, every handler's effect happens once (the inbox), and
recovery after a crash is bounded (see `recovery_bounds`, README "Running with Celery"):

    a whole worker killed (SIGKILL, OOM, power)   visibility timeout + restore interval       (50 s)
    one pool process killed                       5 s + worker lost wait + retry delay        (8 s)
    a message lost (Redis restarted empty, or a   BUS_RELAY_RESEND_SECONDS + BUS_SWEEP_SECONDS (31 s)
      worker killed as it took the message)
    a delivery left in processing, no message     BUS_LEASE_SECONDS + BUS_SWEEP_SECONDS        (41 s)
      left to say so (both of the above at once)

(then the time to run the handler; a replacement worker started later than the bound
restores the messages within one restore interval of its start).

The worker settings, and why each is what it is, are in `worker_settings`; the rules they
must obey, and the worker that refuses to start when they do not, in shared.bus.celery_checks.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from celery import Celery, signals
from django.conf import settings

from shared.bus import celery_connections
from shared.bus.celery_checks import POOL_MAINTENANCE_SECONDS, refuse_to_start_with_unsafe_settings
from shared.bus.task_names import DELIVER_TASK, SWEEP_TASK
from shared.observability import celery_logs


def worker_settings(*, broker_url: str, key_prefix: str) -> dict[str, Any]:
    """Celery's configuration, from the Django settings (read when Celery first needs it)."""
    visibility_timeout = settings.CELERY_VISIBILITY_TIMEOUT
    restore_interval = settings.CELERY_UNACKED_RESTORE_INTERVAL
    broker_transport_options = {
        # A message a worker took and has not acknowledged within this many seconds is
        # put back in its queue. It must exceed the longest a healthy worker keeps a
        # message unacknowledged: the hard time limit, or any countdown (checks E020,
        # E021), or healthy work runs twice. Beyond that, shorter is better: it is most of
        # the time a dead worker's messages wait. kombu's default is an hour.
        "visibility_timeout": visibility_timeout,
        # Every worker scans for such messages this often. kombu's defaults (10 s, acting
        # only on every 10th scan) notice an abandoned message about 100 s late; throttle 1
        # makes the interval the whole delay.
        "unacked_restore_interval": restore_interval,
        "unacked_restore_throttle": 1,
        # No cap on how many abandoned messages one scan restores: a dead worker leaves at
        # most concurrency x prefetch of them, and the recovery bound must not depend on
        # how many workers died at once.
        "unacked_restore_limit": None,
        # Only one worker scans at a time, under a lock in Redis. A worker killed while
        # holding it (a window of milliseconds) would stop everyone's scans until the lock
        # expires: kombu's default of 300 s would break the bound, three intervals do not.
        "unacked_mutex_expire": 3 * restore_interval,
        # Our keys, including the `unacked` hash, are ours alone: any consumer of that hash
        # restores by its own visibility timeout, so a neighbour with a shorter one would
        # redeliver our running tasks.
        "global_keyprefix": key_prefix,
        # A publisher (a web request committing an event) must not hang on a broker that
        # is down, unreachable or frozen: it tries once, briefly, and gives up; the row
        # stays owed a message and the relay's sweep sends it (task_publish_retry below).
        # Connecting: one attempt (max_retries 0) of at most 1 s. kombu's defaults would
        # keep trying for broker_connection_timeout with 2 s and 4 s pauses, about 6 s.
        # Workers are not affected: they connect under broker_connection_retry* instead.
        "socket_connect_timeout": 1,
        "max_retries": 0,
        # Waiting for a reply: Redis answers in a millisecond; one that says nothing for
        # 2 s is stuck (or a network is). Lower would turn a latency spike into a
        # reconnect of the worker, which cancels its running tasks (see below); higher is
        # what a request pays, once per event it publishes, while Redis does not answer.
        "socket_timeout": 2,
    }
    return {
        "broker_url": broker_url,
        "broker_transport_options": broker_transport_options,
        # Celery reads the visibility timeout in three places; the docs require all three
        # to agree (check E022). There is no result backend, but the day one is added it
        # must not restore with a different value.
        "result_backend_transport_options": {"visibility_timeout": visibility_timeout},
        "visibility_timeout": visibility_timeout,
        "broker_connection_retry_on_startup": True,
        # A publish is not retried: each retry would wait the timeouts above again (three
        # tries took 20 s against a frozen Redis), and the sweep sends whatever a failed
        # publish left owed a message within BUS_SWEEP_SECONDS of the broker coming back.
        # (A pooled connection that a Redis restart closed is replaced on checkout by
        # redis-py, so that needs no retry either.)
        "task_publish_retry": False,
        "accept_content": ["json"],
        "task_serializer": "json",
        # Results live in the database (Delivery rows), not in Celery.
        "task_ignore_result": True,
        # Acknowledge after the task ran, not when it was received: a worker that dies
        # mid-handler leaves its message unacknowledged, so the broker hands it to
        # another worker. The inbox turns that redelivery into "done once".
        "task_acks_late": True,
        # A task that raised is acknowledged: bus.deliver raises only when the database
        # stayed unreachable through its retries, and the delivery row keeps the work.
        "task_acks_on_failure_or_timeout": True,
        # A pool process that died mid-task: re-send the task (as a retry, counted against
        # max_retries below, after CELERY_WORKER_LOST_RETRY_SECONDS) instead of dropping it;
        # if even that send fails, requeue the message (reject_on_worker_lost). The cap
        # stops a message that kills its process every time from looping: after it the
        # message is dropped and the delivery, still in processing, ends failed or dead
        # when its lease runs out. The Deliverer counts every takeover as an attempt too.
        "task_retry_on_worker_lost": True,
        "task_reject_on_worker_lost": True,
        "task_annotations": {
            DELIVER_TASK: {
                "max_retries": settings.BUS_MAX_ATTEMPTS,
                "default_retry_delay": settings.CELERY_WORKER_LOST_RETRY_SECONDS,
            },
            # A sweep whose pool process died is not sent again: the next one, due within
            # BUS_SWEEP_SECONDS, does the same work. (Left to Celery's defaults it would be
            # re-sent after default_retry_delay, 180 s, which kombu would restore every
            # visibility timeout while the worker holds it: check E020.)
            SWEEP_TASK: {"max_retries": 0},
        },
        # A pool process that died is noticed at once, but its job is only declared lost
        # (WorkerLostError, which triggers the retry above) after this wait, checked on
        # the pool's 5-second maintenance tick. Celery's 10 s default waits for a result
        # the process might still have written; the inbox makes a re-run harmless, so
        # waiting shortens nothing but recovery.
        "worker_lost_wait": settings.CELERY_WORKER_LOST_WAIT_SECONDS,
        "task_soft_time_limit": settings.CELERY_TASK_SOFT_TIME_LIMIT,
        "task_time_limit": settings.CELERY_TASK_TIME_LIMIT,
        # One message per pool process at a time. With acks_late a reserved message's
        # visibility clock runs while it waits for a free process, and a killed worker
        # abandons every message it reserved: keep both to the minimum.
        "worker_prefetch_multiplier": 1,
        # When the connection to Redis drops, running tasks cannot acknowledge and their
        # messages come back anyway: stop them rather than run them twice side by side.
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        # Database connections are kept between tasks and checked before reuse, as between
        # web requests (shared.bus.celery_connections): Celery's Django fixup would close
        # them around every task, and each task would open a new PostgreSQL connection.
        "CELERY_DB_REUSE_MAX": celery_connections.DB_REUSE_MAX,
        "beat_schedule": {
            "bus-sweep": {
                "task": SWEEP_TASK,
                "schedule": settings.BUS_SWEEP_SECONDS,
                # Sweeps that waited this long (no worker free, or none running) are
                # skipped: the next one does the same work.
                "options": {"expires": 10 * settings.BUS_SWEEP_SECONDS},
            }
        },
    }


def create_app(*, broker_url: str | None = None, key_prefix: str | None = None, set_as_current: bool = True) -> Celery:
    """A Celery app configured from the Django settings; tests and benchmarks pass their own broker or prefix."""
    app = Celery("modulith", set_as_current=set_as_current)
    # A worker whose configuration fails the checks exits before it consumes anything.
    signals.worker_init.connect(refuse_to_start_with_unsafe_settings, weak=False, dispatch_uid="modulith-celery-checks")
    # Workers log through the project's log lines, each task in its own scope (correlation id, task, domain).
    celery_logs.connect()
    # Database connections outlive a task, as they outlive a request (CONN_MAX_AGE, CONN_HEALTH_CHECKS).
    celery_connections.connect()
    app.add_defaults(
        lambda: worker_settings(
            broker_url=broker_url or settings.REDIS_URL, key_prefix=key_prefix or settings.CELERY_KEY_PREFIX
        )
    )
    app.autodiscover_tasks()
    return app


RECOVERY_PROMISE_SECONDS = 60.0
"""What the defaults promise (README "Running with Celery"): a lost message or attempt runs again within this."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RecoveryBounds:
    whole_worker_lost: float
    """Seconds from a worker's death until a running worker has its messages back in the queue."""
    pool_process_lost: float
    """Seconds from a pool process's death until its task is sent again (to the same worker's queue)."""
    message_lost_by_broker: float
    """Seconds from sending until the sweep sends again a delivery whose message was lost."""
    processing_abandoned: float
    """Seconds until the sweep takes back a delivery left in processing that no message will come back for."""


def recovery_bounds(configured: Any = settings) -> RecoveryBounds:
    """What a configuration (the Django settings, or a settings module) promises after a crash."""
    return RecoveryBounds(
        whole_worker_lost=configured.CELERY_VISIBILITY_TIMEOUT + configured.CELERY_UNACKED_RESTORE_INTERVAL,
        pool_process_lost=(
            POOL_MAINTENANCE_SECONDS
            + configured.CELERY_WORKER_LOST_WAIT_SECONDS
            + configured.CELERY_WORKER_LOST_RETRY_SECONDS
        ),
        message_lost_by_broker=configured.BUS_RELAY_RESEND_SECONDS + configured.BUS_SWEEP_SECONDS,
        processing_abandoned=configured.BUS_LEASE_SECONDS + configured.BUS_SWEEP_SECONDS,
    )
