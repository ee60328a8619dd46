"""The Celery app of this deployment: the bus's deliveries run in its workers when BUS_TRANSPORT=celery.

    celery -A config worker --loglevel=INFO
    celery -A config beat --loglevel=INFO

What the workers are configured with, and why, is the kernel's (shared.bus.worker);
this module makes the app, so that `-A config` finds it, and adds the deployment's own
periodic job: the checkout sweep (config/checkout_sweep.py).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from django.conf import settings

from shared.bus.worker import create_app

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = create_app()


CHECKOUT_SWEEP_TASK = "shop.checkout_sweep"
"""config.tasks: releases what checkouts that died left reserved (config/checkout_sweep.py)."""


@app.on_after_configure.connect
def schedule_the_checkout_sweep(sender: Celery, **kwargs: Any) -> None:
    """Beat sends the checkout sweep every CHECKOUT_SWEEP_SECONDS, beside the bus's own sweep.

    Never re-sent after a lost pool process (max_retries=0 on the task): the next sweep does
    the same work. Sweeps that waited ten intervals are skipped for the same reason.
    """
    sender.add_periodic_task(
        settings.CHECKOUT_SWEEP_SECONDS,
        sender.signature(CHECKOUT_SWEEP_TASK),
        name="checkout-sweep",
        expires=10 * settings.CHECKOUT_SWEEP_SECONDS,
    )
