"""gunicorn's configuration: `gunicorn -c config/gunicorn.py config.wsgi`.

Threads (gthread) keep HTTP connections alive between requests, which the remote interface
clients and the gateway reuse. With SERVICE_ANNOUNCE_URL set (the URL other services reach
this server at), the master process announces the domains this deployment runs in the
service registry when it is ready, heartbeats while /healthz answers, and deregisters when
it shuts down (shared/remote/discovery.py).
"""

from __future__ import annotations

import os
from typing import Any

import django

from shared.remote.binding import local_announcer

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE_SECONDS", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT_SECONDS", "10"))

_announcers: list[Any] = []


def when_ready(server: Any) -> None:
    url = os.environ.get("SERVICE_ANNOUNCE_URL", "")
    if not url:
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    announcer = local_announcer(url)
    announcer.start()
    _announcers.append(announcer)
    server.log.info("Announced %s for %s in the service registry", url, ", ".join(announcer.services))


def on_exit(server: Any) -> None:
    for announcer in _announcers:
        announcer.stop()
        server.log.info("Deregistered %s", announcer.instance.url)
