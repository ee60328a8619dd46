"""The composition root's periodic Celery task (celery beat sends it; config/celery.py schedules it)."""

from __future__ import annotations

from collections.abc import Mapping

from celery import shared_task

from config import checkout_sweep
from config.celery import CHECKOUT_SWEEP_TASK


@shared_task(name=CHECKOUT_SWEEP_TASK, ignore_result=True, max_retries=0)
def sweep_checkouts(limit: int = 100) -> Mapping[str, int]:
    """One checkout sweep. Never re-sent (max_retries=0): the next one, due soon, does the same work."""
    report = checkout_sweep.sweep(limit=limit)
    return {"abandoned": report.abandoned, "released": report.released, "kept": report.kept}
