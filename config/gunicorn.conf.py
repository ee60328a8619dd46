"""gunicorn's settings for the shop: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Each value comes from an environment variable of the same name in upper case with the
GUNICORN_ prefix (GUNICORN_WORKERS=8), so a deployment tunes it without editing this file.

- Worker processes x threads: gthread workers keep a client's connection open between
  requests (keep-alive) and serve several at once, which the gateway's I/O (PostgreSQL,
  Redis, another service) leaves room for. Processes default to 2 per core plus one.
- Timeouts: a request that takes longer than `timeout` has its worker restarted; keep it
  below IDEMPOTENCY_LEASE_SECONDS so a retry never finds a key held by a request that is
  still running.
- Database connections persist per thread (CONN_MAX_AGE in config/settings.py).
- Metrics: with PROMETHEUS_MULTIPROC_DIR set (an empty directory every worker can write,
  emptied before each start), each worker keeps its metrics in files there and whichever
  worker answers /metrics adds them all up; a worker that exits is marked dead, so that its
  live-only gauges (the breaker state) stop counting.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

from prometheus_client import multiprocess


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 4)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# A worker is replaced after this many requests (spread out, so not all at once): a leak
# stays bounded without anyone noticing it first.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1_000)
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
