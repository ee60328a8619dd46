"""gunicorn's configuration: `gunicorn -c config/gunicorn.py config.wsgi`.

Several worker processes serve one /metrics: with PROMETHEUS_MULTIPROC_DIR set (an empty
directory, emptied before each start, that every worker can write), each worker keeps its
metrics in files there and whichever worker answers a scrape adds them all up. A worker
that exits is marked dead, so that its live-only gauges (the breaker state) stop counting.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import multiprocess

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Log lines come from Django's LOGGING (readable or JSON); gunicorn's access log would be a second format.
accesslog = None


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
